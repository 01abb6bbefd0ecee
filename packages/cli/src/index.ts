export { CliError, ExitCode, type ExitCodeValue } from "./errors.js";
export type { CliIo, CommandContext } from "./io.js";
export { processIo } from "./io.js";
export { createProgram, describeError, main, runCli } from "./main.js";
