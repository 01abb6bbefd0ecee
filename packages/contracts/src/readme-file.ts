import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { withTopicTable } from "./readme-table.js";

/** The package's README.md; src/ and dist/ sit at the same depth. */
export const README_PATH = fileURLToPath(new URL("../README.md", import.meta.url));

/** Write the catalog's topic table into the README, between its markers. */
export async function writeTopicTable(path = README_PATH): Promise<void> {
  await writeFile(path, withTopicTable(await readFile(path, "utf8")));
}
