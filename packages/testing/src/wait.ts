import { setTimeout as delay } from "node:timers/promises";
import { WaitTimeoutError } from "./errors.js";

export interface PollOptions {
  timeoutMs: number;
  /** Pause between checks. Default 100 ms. */
  intervalMs?: number;
}

/**
 * Call `check` until it returns a value other than `undefined`, and resolve to that
 * value; `WaitTimeoutError` after `timeoutMs`. An error thrown by `check` counts as
 * "not yet", and the last one is the timeout's cause. For code outside a test body
 * (benchmarks, tools, setup); inside a test, `vi.waitFor` reports the failed expectation.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(what, options.timeoutMs, { cause: lastError });
    await delay(options.intervalMs ?? 100);
  }
}
