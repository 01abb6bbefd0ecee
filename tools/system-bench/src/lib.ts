/**
 * Small helpers: the figures and tables both benchmarks print (from
 * `@retail/testing/bench-report`), the verdict, polling.
 */
import { setTimeout as delay } from "node:timers/promises";
import { BenchTimeoutError } from "./errors.js";

export {
  formatInt,
  formatMb,
  formatMs,
  formatRate,
  percentile,
  ratio,
  table,
} from "@retail/testing/bench-report";

export function verdict(met: boolean): string {
  return met ? "met" : "MISSED";
}

/**
 * Poll `check` until it returns a value other than `undefined`, or throw after
 * `timeoutMs`. Errors thrown by `check` count as "not yet" and the last one is the cause.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number },
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
      throw new BenchTimeoutError(what, options.timeoutMs, { cause: lastError });
    await delay(options.intervalMs ?? 100);
  }
}

/** The 1/5/15-minute load averages as `0.12 / 0.34 / 0.56`. */
export function formatLoad(values: readonly number[]): string {
  return values.map((value) => value.toFixed(2)).join(" / ");
}
