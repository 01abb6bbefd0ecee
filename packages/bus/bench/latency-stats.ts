import { percentile } from "./lib.js";

/** The raw baseline's latency stream (the bus uses the bench.event topic's stream). */
export const RAW_LATENCY_STREAM = "raw:bench.latency";

export interface LatencyResult {
  /** Events measured (those sent after the warm-up). */
  measured: number;
  /** Sent after the warm-up but never received in time. */
  lost: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** Share of measured events slower than 3 ms. */
  over3ms: number;
  /** Of the events slower than 3 ms, the share during which a GC pause ran. */
  slowWithGc: number;
  /** GC pauses during the measured window: young-generation (scavenge) and the rest. */
  scavenges: number;
  otherGcs: number;
  gcMaxMs: number;
  gcTotalMs: number;
  /** GC time as a share of the measured window. */
  gcShare: number;
}

/** V8's GC kinds in `PerformanceEntry.detail.kind`: 1 is a scavenge (young generation). */
const SCAVENGE = 1;

/**
 * Latency figures of the events with sequence number ≥ `measureFrom` (the warm-up is
 * dropped), and the GC pauses that overlapped the measured window.
 */
export function summarizeLatency(
  latencies: Float64Array,
  receivedAt: Float64Array,
  measureFrom: number,
  pauses: readonly { start: number; duration: number; kind: number }[],
): LatencyResult {
  const measured: number[] = [];
  const slow: { at: number; latency: number }[] = [];
  let lost = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = 0;
  for (let seq = measureFrom; seq < latencies.length; seq++) {
    const latency = latencies[seq] as number;
    if (Number.isNaN(latency)) {
      lost++;
      continue;
    }
    measured.push(latency);
    const at = receivedAt[seq] as number;
    windowStart = Math.min(windowStart, at - latency);
    windowEnd = Math.max(windowEnd, at);
    if (latency > 3) slow.push({ at, latency });
  }
  const sorted = Float64Array.from(measured).sort();
  const inWindow = pauses.filter(
    (pause) => pause.start + pause.duration >= windowStart && pause.start <= windowEnd,
  );
  // A slow event "saw" a GC when a pause overlapped the time between its publish and its handler.
  const slowWithGc = slow.filter(({ at, latency }) =>
    inWindow.some((pause) => pause.start <= at && pause.start + pause.duration >= at - latency),
  ).length;
  const gcTotalMs = inWindow.reduce((sum, pause) => sum + pause.duration, 0);
  return {
    measured: measured.length,
    lost,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    over3ms: measured.length > 0 ? slow.length / measured.length : 0,
    slowWithGc: slow.length > 0 ? slowWithGc / slow.length : 0,
    scavenges: inWindow.filter((pause) => pause.kind === SCAVENGE).length,
    otherGcs: inWindow.filter((pause) => pause.kind !== SCAVENGE).length,
    gcMaxMs: inWindow.reduce((max, pause) => Math.max(max, pause.duration), 0),
    gcTotalMs,
    gcShare: windowEnd > windowStart ? gcTotalMs / (windowEnd - windowStart) : 0,
  };
}
