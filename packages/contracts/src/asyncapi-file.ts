import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderAsyncApi } from "./asyncapi.js";

/** docs/asyncapi.yaml at the repository root; src/ and dist/ sit at the same depth. */
export const ASYNCAPI_PATH = fileURLToPath(new URL("../../../docs/asyncapi.yaml", import.meta.url));

/** Regenerates docs/asyncapi.yaml and the README's topic table. */
export const REGENERATE_COMMAND = "pnpm --filter @retail/contracts generate";

/** Write the catalog's AsyncAPI document to docs/asyncapi.yaml. */
export async function writeAsyncApiFile(path = ASYNCAPI_PATH): Promise<void> {
  await writeFile(path, renderAsyncApi());
}

/** What docs/asyncapi.yaml holds now, or `undefined` when it does not exist. */
export async function readAsyncApiFile(path = ASYNCAPI_PATH): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
