/**
 * Small helpers: the figures and tables both benchmarks print (from
 * `@retail/testing/bench-report`), the verdict, the load average.
 */
export {
  formatInt,
  formatMb,
  formatMs,
  formatRate,
  median,
  percentile,
  ratio,
  table,
} from "@retail/testing/bench-report";

export function verdict(met: boolean): string {
  return met ? "met" : "MISSED";
}

/** The 1/5/15-minute load averages as `0.12 / 0.34 / 0.56`. */
export function formatLoad(values: readonly number[]): string {
  return values.map((value) => value.toFixed(2)).join(" / ");
}
