import type { LogLevel } from "./config.js";

/** pino's numeric levels, so the lines read like every other service's (and pino-pretty reads them). */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: Number.POSITIVE_INFINITY };

export type Log = (level: Exclude<LogLevel, "silent">, fields: object, msg: string) => void;

/** One JSON line per entry at or above `threshold`, on `write` (default: stdout). */
export function createLog(
  threshold: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Log {
  return (level, fields, msg) => {
    if (LEVELS[level] < LEVELS[threshold]) return;
    write(
      `${JSON.stringify({ level: LEVELS[level], time: Date.now(), name: "gateway", ...fields, msg })}\n`,
    );
  };
}
