import { ConfigError } from "./config.js";

/** Where {@link runService} reports and how it exits; replaceable in tests. */
export interface RunServiceIo {
  /** Default: `process.stderr`. */
  stderr?: { write(text: string): unknown };
  /** Default: `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Entry point of a service's `main.ts`: `runService(main)`. If `main` fails while
 * starting, report it on stderr and exit with code 1. A {@link ConfigError} is printed
 * as one line per variable without a stack trace (it is the operator's mistake, not
 * a bug); anything else with its stack.
 *
 * @returns once `main` has resolved (the service keeps running) or the failure is reported
 */
export async function runService(
  main: () => Promise<unknown> | unknown,
  io: RunServiceIo = {},
): Promise<void> {
  const stderr = io.stderr ?? process.stderr;
  const exit = io.exit ?? ((code: number) => process.exit(code));
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr.write(`${error.message}\n`);
    } else {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      stderr.write(`Failed to start: ${text}\n`);
    }
    exit(1);
  }
}
