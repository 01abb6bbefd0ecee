/** Everything one run measured, and the targets the issue sets for it. */
import type { BusRows } from "./bus-rows.js";
import type { HttpResult } from "./http.js";
import type { LatencyRow } from "./latency.js";
import type { Machine } from "./machine.js";
import type { MemoryResult } from "./memory.js";

export interface RunResults {
  machine: Machine;
  loadAtEnd: string;
  date: string;
  quick: boolean;
  seconds: number;
  /** The sizes used, one line for the report. */
  sizes: string;
  http?: HttpResult;
  latency?: LatencyRow[];
  bus?: BusRows;
  memory?: MemoryResult;
}

export const TARGETS = {
  /** POST /orders req/s at least this share of the bare route's. */
  vsBare: 0.4,
  /** POST /orders req/s at least this multiple of the naive route's. */
  vsNaive: 1.5,
  /** order → shipment.created p99 at `latencyRate` at most this many ms. */
  latencyP99Ms: 20,
  latencyRate: 500,
  /** RSS "flat": grows less than this share from the 20 % sample to the end. */
  rssGrowth: 0.1,
} as const;
