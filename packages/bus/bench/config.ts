/**
 * Benchmark sizes, from the environment. Every size has a default for the full run
 * (a few minutes on a 2-core machine) and a smaller one for `BENCH_QUICK=1` (~30 s).
 */

export const quick = process.env.BENCH_QUICK === "1";

/** A positive integer from `name`, else the full run's or the quick run's default. */
export function int(name: string, full: number, quickValue: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return quick ? quickValue : full;
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function ints(name: string, full: number[], quickValue: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return quick ? quickValue : full;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 0))
    throw new Error(`${name} must be a comma-separated list of integers ≥ 0, got "${raw}"`);
  return values;
}

function oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new Error(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw as T;
}

function sections(): Set<string> {
  const all = ["publish", "consume", "latency", "memory"];
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw === "") return new Set(all);
  const chosen = raw.split(",").map((part) => part.trim());
  for (const name of chosen)
    if (!all.includes(name)) throw new Error(`BENCH_ONLY: unknown section "${name}"`);
  return new Set(chosen);
}

export const config = {
  quick,
  /** Which sections run: `BENCH_ONLY=publish,latency`. Default: all four. */
  sections: sections(),
  /** Redis persistence of the benchmark container. Default "none" (see BENCHMARKS.md). */
  persistence: oneOf("BENCH_PERSISTENCE", ["none", "aof"], "none"),

  /** 1. Events per publish round, per contender (bus, raw). */
  publishEvents: int("BENCH_PUBLISH_EVENTS", 100_000, 20_000),
  /** 1. Jobs per publish round for BullMQ (slower, so fewer). */
  publishJobs: int("BENCH_PUBLISH_JOBS", 50_000, 10_000),
  /** 1. Publishes in flight at once (awaited as one window). */
  publishWindow: int("BENCH_PUBLISH_WINDOW", 1_000, 1_000),
  /** 1. Rounds per contender, interleaved; the median is reported. */
  publishRounds: int("BENCH_PUBLISH_ROUNDS", 5, 1),

  /** 2. Entries pre-filled and drained per contender (bus, raw). */
  consumeEvents: int("BENCH_CONSUME_EVENTS", 100_000, 30_000),
  /** 2. Rounds of raw loop + every bus contender, interleaved; medians are reported. */
  consumeRounds: int("BENCH_CONSUME_ROUNDS", 3, 1),
  /** 2. Jobs pre-filled and drained per BullMQ run. */
  consumeJobs: int("BENCH_CONSUME_JOBS", 30_000, 10_000),
  /**
   * 2. Bus handler concurrencies to try: 16 is the default; 500 reads as many entries
   * per `XREADGROUP` as the raw loop's `COUNT 500`, since the bus reads at most its
   * free slots.
   */
  busConcurrency: ints("BENCH_BUS_CONCURRENCY", [16, 64, 256, 500], [16, 64]),
  /** 2. Raw loop `XREADGROUP COUNT`. */
  rawCount: int("BENCH_RAW_COUNT", 500, 500),
  /** 2. BullMQ worker concurrencies to try. */
  bullConcurrency: ints("BENCH_BULLMQ_CONCURRENCY", [10, 50, 200], [50]),

  /** 3. Events per second the latency publisher holds. */
  latencyRate: int("BENCH_LATENCY_RATE", 5_000, 5_000),
  /** 3. Measured seconds per latency run (after the warm-up). */
  latencySeconds: int("BENCH_LATENCY_SECONDS", 10, 2),
  /** 3. Warm-up seconds before measuring (discarded). */
  latencyWarmupSeconds: int("BENCH_LATENCY_WARMUP_SECONDS", 2, 1),
  /**
   * 3. `--max-semi-space-size` values (MB) to compare; 0 means "no flag" (Node's default,
   * which depends on the memory Node sees: 64 MB on this 24 GB host, 1 MB in a container
   * limited to 512 MB — hence 1 in the list).
   */
  semiSpaces: ints("BENCH_SEMI_SPACES", [0, 1, 16, 32], [0]),
  /**
   * 3. The bus consumer's concurrency in the latency run: 100, because the raw loop
   * reads `COUNT 100` and the bus reads at most its free slots, so this is the same
   * batch after a pause. The subscription default (16) gets a row of its own.
   */
  latencyConcurrency: int("BENCH_LATENCY_CONCURRENCY", 100, 100),
  /**
   * 3. Paired bus + raw rounds at the flag the service images ship (16 MB): one run
   * each says more about the minute it ran in than about the consumer on a noisy
   * machine, so the verdict uses the median of the rounds' paired p99 ratios.
   */
  latencyRounds: int("BENCH_LATENCY_ROUNDS", 3, 1),

  /**
   * 4. Events through the bus consumer in the memory run. The consumer's RSS climbs for
   * its first million or so (allocator and V8 warm-up, heap flat), so the run is long
   * enough for its second half to show whether anything grows per event.
   */
  memoryEvents: int("BENCH_MEMORY_EVENTS", 3_000_000, 50_000),
  /** 4. Sample every this many events. */
  memorySampleEvery: int("BENCH_MEMORY_SAMPLE_EVERY", 250_000, 10_000),
  /** 4. and 1./3.: `maxLength` retention of the benchmark topic. */
  retention: int("BENCH_RETENTION", 100_000, 100_000),
} as const;

export type BenchConfig = typeof config;
