import { Writable } from "node:stream";
import { type DestinationStream, type Level, type Logger, pino } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Service name, written as `name` on every line. */
  name: string;
  /** Lowest level written. Default: `"info"`. */
  level?: Level | "silent";
  /** Human-readable colored lines instead of JSON. Default: `false`. */
  pretty?: boolean;
  /** Where lines go. Default: stdout. */
  destination?: DestinationStream;
}

/**
 * Log paths whose values never reach the output: credentials in request/response
 * headers, and secret-looking fields at the top level or one level down.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...["password", "secret", "token", "apiKey", "authorization", "cookie"].flatMap((field) => [
    field,
    `*.${field}`,
  ]),
];

/**
 * A pino logger: JSON lines, or pretty lines for development. Pretty printing runs in
 * this thread (not a transport worker) so nothing is lost when the process exits.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const stream = options.pretty
    ? pretty({
        sync: true,
        colorize: options.destination === undefined,
        translateTime: "SYS:HH:MM:ss.l",
        ignore: "pid,hostname",
        ...(options.destination === undefined
          ? {}
          : { destination: asWritable(options.destination) }),
      })
    : options.destination;
  return pino(
    {
      name: options.name,
      level: options.level ?? "info",
      redact: { paths: [...REDACTED_LOG_PATHS], censor: "[redacted]" },
    },
    stream,
  );
}

/** pino-pretty pipes into its destination, so a bare `{ write }` needs a stream around it. */
function asWritable(destination: DestinationStream): Writable {
  if (destination instanceof Writable) return destination;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      destination.write(chunk.toString());
      done();
    },
  });
}
