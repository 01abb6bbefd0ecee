/**
 * Benchmark sizes, from the environment. Every size has a default for the full run
 * (under 10 minutes on a 2-core machine) and a smaller one for `BENCH_QUICK=1`.
 */
import { BenchConfigError } from "./errors.js";

export const SECTIONS = ["http", "latency", "bus", "memory", "cluster"] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * What runs without `BENCH_ONLY`: the sections of the generated block. `cluster` starts
 * three more containers and its figures go to a section written by hand, so it runs
 * only when named.
 */
export const DEFAULT_SECTIONS: readonly Section[] = ["http", "latency", "bus", "memory"];

export type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, quick: boolean, name: string, full: number, quickValue: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return quick ? quickValue : full;
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < 1)
    throw new BenchConfigError(name, `must be a positive integer, got "${raw}"`);
  return value;
}

function ints(env: Env, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1))
    throw new BenchConfigError(name, `must be a comma-separated list of positive integers`);
  return values;
}

function sections(env: Env): Set<Section> {
  const raw = env.BENCH_ONLY;
  if (raw === undefined || raw === "") return new Set(DEFAULT_SECTIONS);
  const chosen = raw.split(",").map((part) => part.trim());
  for (const name of chosen)
    if (!(SECTIONS as readonly string[]).includes(name))
      throw new BenchConfigError("BENCH_ONLY", `names an unknown section "${name}"`);
  return new Set(chosen as Section[]);
}

const PERSISTENCE = ["everysec", "none", "always"] as const;
export type Persistence = (typeof PERSISTENCE)[number];

function persistence(env: Env): Persistence {
  const raw = env.BENCH_PERSISTENCE;
  if (raw === undefined || raw === "") return "everysec";
  if (!(PERSISTENCE as readonly string[]).includes(raw))
    throw new BenchConfigError("BENCH_PERSISTENCE", `must be one of ${PERSISTENCE.join(", ")}`);
  return raw as Persistence;
}

/** The configuration of one run, read from `env` (the process environment by default). */
export function loadConfig(env: Env = process.env) {
  const quick = env.BENCH_QUICK === "1";
  return {
    quick,
    /** Which sections run: `BENCH_ONLY=http,latency`. Default: all but `cluster`. */
    sections: sections(env),
    /**
     * Whether docs/BENCHMARKS.md and docs/benchmarks/system.svg are rewritten. Default:
     * on a full run with every section; `BENCH_WRITE=1` forces it, `BENCH_WRITE=0` prevents it.
     */
    write:
      env.BENCH_WRITE === "1" ||
      (env.BENCH_WRITE !== "0" && !quick && (env.BENCH_ONLY ?? "") === ""),
    /**
     * Redis persistence. Default `everysec`: AOF with `appendfsync everysec`, as
     * infra/redis/redis.conf runs it; `always` fsyncs every write; `none` has no AOF.
     */
    persistence: persistence(env),

    /** 1. autocannon connections. Default 100. */
    httpConnections: int(env, quick, "BENCH_HTTP_CONNECTIONS", 100, 100),
    /** 1. Measured seconds per target. Default 10 (quick 3). */
    httpSeconds: int(env, quick, "BENCH_HTTP_SECONDS", 10, 3),
    /** 1. Discarded warm-up seconds before each target. Default 2 (quick 1). */
    httpWarmupSeconds: int(env, quick, "BENCH_HTTP_WARMUP_SECONDS", 2, 1),

    /** 2. Orders per second, one run each. Default 100,500,1000. */
    latencyRates: ints(env, "BENCH_LATENCY_RATES", [100, 500, 1_000]),
    /** 2. Seconds per rate. Default 10 (quick 3). */
    latencySeconds: int(env, quick, "BENCH_LATENCY_SECONDS", 10, 3),
    /** 2. Requests in flight at most; later ones wait for a socket (and their wait counts). Default 256. */
    latencySockets: int(env, quick, "BENCH_LATENCY_SOCKETS", 256, 256),

    /** 4. Orders placed in the memory run. Default 100 000 (quick 5 000). */
    memoryOrders: int(env, quick, "BENCH_MEMORY_ORDERS", 100_000, 5_000),
    /** 4. Orders in flight at once in the memory run. Default 64. */
    memoryInFlight: int(env, quick, "BENCH_MEMORY_IN_FLIGHT", 64, 64),
    /** 4. Time limit of the memory run's sending phase, seconds. Default 360 (quick 60). */
    memoryMaxSeconds: int(env, quick, "BENCH_MEMORY_MAX_SECONDS", 360, 60),

    /** 3. Requests of the `redis-benchmark` XADD ceiling. Default 200 000 (quick 50 000). */
    ceilingRequests: int(env, quick, "BENCH_CEILING_REQUESTS", 200_000, 50_000),

    /**
     * 5. Paired rounds of the cluster comparison; each runs both deployments, the first
     * one alternating. Default 3 (quick 1). Throughput uses the HTTP sizes above.
     */
    clusterRounds: int(env, quick, "BENCH_CLUSTER_ROUNDS", 3, 1),
    /** 5. The latency run's fixed rate, orders/s: well below saturation. Default 200. */
    clusterRate: int(env, quick, "BENCH_CLUSTER_RATE", 200, 200),
    /** 5. Seconds of the latency run per deployment and round. Default 10 (quick 3). */
    clusterLatencySeconds: int(env, quick, "BENCH_CLUSTER_LATENCY_SECONDS", 10, 3),
  };
}

export type BenchConfig = ReturnType<typeof loadConfig>;
