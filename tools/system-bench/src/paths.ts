import { fileURLToPath } from "node:url";

/** The repository root (this file is tools/system-bench/src/paths.ts). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** tools/system-bench/. */
export const benchDir = fileURLToPath(new URL("../", import.meta.url));
