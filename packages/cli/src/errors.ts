/**
 * Exit codes of `retail`. Scripts can switch on them; the README lists them too.
 */
export const ExitCode = {
  /** Done. */
  ok: 0,
  /** Failed: an unexpected error, a dead letter that was not found, a declined confirmation. */
  failure: 1,
  /** Bad usage: unknown option or topic, invalid value, a purge that needs `--yes`. */
  usage: 2,
  /** Redis could not be reached (refused, timed out, unknown host) or went away. */
  redisUnreachable: 3,
  /** Redis refused the credentials (NOAUTH, WRONGPASS). */
  redisAuth: 4,
  /** The Redis user may not run a command the CLI needs (NOPERM). */
  redisPermission: 5,
  /** The inventory service's HTTP API could not be reached. */
  inventoryUnreachable: 6,
  /** Stopped by Ctrl-C before the work was done (`orders place`). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the CLI expects and explains: printed as its message alone (no stack trace),
 * the process exits with its code.
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

/** A bad argument or option: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(ExitCode.usage, message);
}
