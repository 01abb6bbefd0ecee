import type { Logger } from "pino";

/**
 * Logs a recurring problem at most once per interval per key, with how many times it
 * happened in between, so an outage does not flood the log with one line per retry.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  error(key: string, error: unknown, message: string): void {
    this.log("error", key, error, message);
  }

  warn(key: string, error: unknown, message: string): void {
    this.log("warn", key, error, message);
  }

  private log(level: "error" | "warn", key: string, error: unknown, message: string): void {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger[level]({ err: error, suppressed: seen?.suppressed ?? 0 }, message);
  }

  /** Forget a key once the problem is over, so its next occurrence logs at once. */
  clear(key: string): void {
    this.last.delete(key);
  }
}
