/**
 * Sizes of the cluster benchmark (`pnpm --filter @retail/bus bench:cluster`), from the
 * environment. Each has a default for the full run (a few minutes on the 2-core VM) and
 * a smaller one for `BENCH_QUICK=1` (under a minute). Its variables are named apart
 * from bench/config.ts's, which every bench child also reads.
 */

import { int, quick } from "./config.js";

export const SECTIONS = ["hop", "spread", "ceiling", "wait"] as const;
export type Section = (typeof SECTIONS)[number];

function sections(): Set<Section> {
  const raw = process.env.BENCH_CLUSTER_ONLY;
  if (raw === undefined || raw === "") return new Set(SECTIONS);
  const chosen = raw.split(",").map((part) => part.trim());
  for (const name of chosen)
    if (!(SECTIONS as readonly string[]).includes(name))
      throw new Error(`BENCH_CLUSTER_ONLY: unknown section "${name}" (${SECTIONS.join(", ")})`);
  return new Set(chosen as Section[]);
}

export const clusterConfig = {
  quick,
  /** Which sections run: `BENCH_CLUSTER_ONLY=hop,ceiling`. Default: all four. */
  sections: sections(),
  /** Masters of the cluster compared with one standalone server. */
  masters: int("BENCH_CLUSTER_MASTERS", 3, 3),

  /** 1. Events per second of the latency runs (publish, and commit through the outbox). */
  hopRate: int("BENCH_HOP_RATE", 2_000, 2_000),
  /** 1. Measured seconds per latency run, after the warm-up. */
  hopSeconds: int("BENCH_HOP_SECONDS", 8, 2),
  /** 1. Warm-up seconds per latency run (discarded). */
  hopWarmupSeconds: int("BENCH_HOP_WARMUP_SECONDS", 2, 1),
  /** 1. The consumer's handler slots (the existing latency section's 100). */
  hopConcurrency: int("BENCH_HOP_CONCURRENCY", 100, 100),
  /** 1. Paired publish + commit latency rounds, alternating which goes first. */
  hopRounds: int("BENCH_HOP_ROUNDS", 3, 1),
  /** 1. Events per throughput round (publishes, and commits of one event each). */
  hopEvents: int("BENCH_HOP_EVENTS", 40_000, 5_000),
  /** 1. and 2. and 4. Calls in flight at once (awaited as one window). */
  window: int("BENCH_CLUSTER_WINDOW", 1_000, 1_000),
  /** 1. Paired throughput rounds. */
  hopThroughputRounds: int("BENCH_HOP_THROUGHPUT_ROUNDS", 3, 1),

  /** 2. Partitions of the spread topic: enough for every master to hold several. */
  partitions: int("BENCH_SPREAD_PARTITIONS", 16, 16),
  /** 2. Events published, then drained, per deployment per round. */
  spreadEvents: int("BENCH_SPREAD_EVENTS", 60_000, 10_000),
  /** 2. The consumer bus's handler slots, split over the partitions (16 each at 256 / 16). */
  spreadConcurrency: int("BENCH_SPREAD_CONCURRENCY", 256, 256),
  /** 2. Paired rounds: standalone and cluster, alternating which goes first. */
  spreadRounds: int("BENCH_SPREAD_ROUNDS", 3, 1),

  /** 3. `redis-benchmark -n`: XADDs per run. */
  ceilingRequests: int("BENCH_CEILING_REQUESTS", 1_000_000, 100_000),
  /** 3. `redis-benchmark -P`: commands per pipeline. */
  ceilingPipeline: int("BENCH_CEILING_PIPELINE", 16, 16),
  /** 3. `redis-benchmark -c`: client connections. */
  ceilingClients: int("BENCH_CEILING_CLIENTS", 50, 50),
  /** 3. Rounds of: standalone, one cluster master, every master at once. */
  ceilingRounds: int("BENCH_CEILING_ROUNDS", 3, 1),

  /** 4. Commits per throughput round. */
  waitCommits: int("BENCH_WAIT_COMMITS", 20_000, 3_000),
  /** 4. Commits per second of the latency runs. */
  waitRate: int("BENCH_WAIT_RATE", 500, 500),
  /** 4. Seconds per commit latency run. */
  waitSeconds: int("BENCH_WAIT_SECONDS", 8, 2),
  /** 4. Paired rounds: without and with WAIT, alternating which goes first. */
  waitRounds: int("BENCH_WAIT_ROUNDS", 3, 1),
  /** 4. `outbox.replicas.timeoutMs`. */
  waitTimeoutMs: int("BENCH_WAIT_TIMEOUT_MS", 1_000, 1_000),
} as const;

export type ClusterConfig = typeof clusterConfig;
