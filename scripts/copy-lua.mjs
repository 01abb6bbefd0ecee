// Copies every `.lua` file of a package's `src/` to `dist/`, keeping its path: Lua
// scripts live beside the TypeScript that loads them (`new URL("./x.lua",
// import.meta.url)`), and `tsc` copies only what it compiles. Run from the package
// folder, after `tsc`, by the package's `build` script.
import { cpSync, existsSync, statSync } from "node:fs";

if (existsSync("src")) {
  cpSync("src", "dist", {
    recursive: true,
    filter: (source) => statSync(source).isDirectory() || source.endsWith(".lua"),
  });
}
