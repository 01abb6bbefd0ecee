/**
 * Small helpers copied in the style of packages/bus/bench/lib.ts (a bench may not import
 * another package's bench files): percentiles, formatting, the plain-text table, polling.
 */
import { setTimeout as delay } from "node:timers/promises";
import { BenchTimeoutError } from "./errors.js";

/** Nearest-rank percentile of values already sorted ascending; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "—";
  return `${Math.round(perSecond).toLocaleString("en-US")}/s`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatMb(bytes: number): string {
  if (!Number.isFinite(bytes)) return "—";
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export function formatInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—";
}

/** `a ÷ b` as `0.42×`; a dash when either is missing. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "—";
  return `${(a / b).toFixed(2)}×`;
}

export function verdict(met: boolean): string {
  return met ? "met" : "MISSED";
}

/** A plain-text (and Markdown) table: the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(" | ")} |`;
  const [header, ...body] = rows;
  if (!header) return "";
  return [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`]
    .concat(body.map(line))
    .join("\n");
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
