/**
 * The open-loop schedule: order `i` of a run at `rate` orders/s is due `i × 1000 / rate`
 * ms after the start, whether or not earlier ones were answered. Latency is measured
 * from that due time, so a sender or server that falls behind shows up in the figures
 * instead of silently lowering the rate (no coordinated omission).
 */

/** Milliseconds after the start at which order `index` (from 0) is due. */
export function dueAt(index: number, ratePerSecond: number): number {
  return (index * 1_000) / ratePerSecond;
}

/** How many of `total` orders are due `elapsedMs` after the start (the first is due at 0). */
export function dueCount(elapsedMs: number, ratePerSecond: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * ratePerSecond) / 1_000) + 1);
}

/** Orders in a run of `seconds` at `ratePerSecond`. */
export function ordersIn(seconds: number, ratePerSecond: number): number {
  return Math.round(seconds * ratePerSecond);
}
