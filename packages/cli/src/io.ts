import { createInterface } from "node:readline/promises";
import type { Colors } from "./format.js";

/**
 * Everything a command touches outside itself: output, the terminal, the environment
 * and the stop signal. `main` passes the process's; tests pass one that captures.
 */
export interface CliIo {
  /** Standard output: results (tables, JSON lines). Each call ends its lines with "\n". */
  out(text: string): void;
  /** Standard error: notes, warnings and error messages. */
  err(text: string): void;
  /** Color the output (a terminal that supports it, no NO_COLOR). */
  color: boolean;
  /** Standard input is a terminal: the CLI may ask questions. */
  interactive: boolean;
  /** Ask a yes/no question; only called when `interactive`. */
  confirm(question: string): Promise<boolean>;
  /** Where progress bars draw (a terminal), or undefined for no bar. */
  progressStream: NodeJS.WritableStream | undefined;
  /** Environment variables: REDIS_URL, INVENTORY_URL. */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C: long-running commands stop, clean up and resolve. */
  signal: AbortSignal;
}

/**
 * Colors when stdout is a terminal (not `TERM=dumb`), or when FORCE_COLOR asks for
 * them; never with NO_COLOR. `--no-color` turns them off as well.
 */
export function colorWanted(
  env: Readonly<Record<string, string | undefined>>,
  tty: boolean,
): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return tty && env.TERM !== "dumb";
}

/** The real process's I/O. */
export function processIo(signal: AbortSignal): CliIo {
  return {
    out: (text) => {
      process.stdout.write(text);
    },
    err: (text) => {
      process.stderr.write(text);
    },
    color: colorWanted(process.env, process.stdout.isTTY === true),
    interactive: process.stdin.isTTY === true,
    confirm: async (question) => {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await prompt.question(`${question} [y/N] `, { signal });
        return /^y(es)?$/i.test(answer.trim());
      } catch {
        return false;
      } finally {
        prompt.close();
      }
    },
    progressStream: process.stderr.isTTY ? process.stderr : undefined,
    env: process.env,
    signal,
  };
}

/** What every command gets: the I/O, its colors, and the Redis URL to use. */
export interface CommandContext {
  io: CliIo;
  colors: Colors;
  /** `--redis`, else REDIS_URL, else redis://localhost:6379 (checked when asked for). */
  redisUrl(): string;
}
