/**
 * 3. The bus rows: the bus benchmark (packages/bus/bench) run as a child with
 * `BENCH_ONLY=publish,consume,latency` and `BENCH_JSON`, so its figures (bus vs raw
 * ioredis vs BullMQ) come from this same run, plus `redis-benchmark`'s XADD ceiling.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RedisServer } from "@retail/testing";
import type { BenchConfig } from "./config.js";
import { ChildProcessError } from "./errors.js";
import { repoRoot } from "./processes.js";
import { xaddCeiling } from "./redis.js";

interface Throughput {
  perSecond: number;
  cpuUs: number;
}
interface Drain extends Throughput {
  label: string;
}
interface LatencyRun {
  mode: "bus" | "raw";
  semiSpaceMb: number;
  result: { p50: number; p99: number; max: number; lost: number };
}

/** The part of the bus benchmark's BENCH_JSON file these rows use. */
export interface BusBenchJson {
  publish?: { bus: Throughput; raw: Throughput; bullmq: Throughput; bullmqBulk: Throughput };
  consume?: { busBest: Drain; busDefault?: Drain; raw: Drain; bullmqBest: Drain };
  latency?: LatencyRun[];
}

export interface BusRows {
  bus: BusBenchJson;
  /** `redis-benchmark` XADD requests/s against this run's container. */
  ceiling: number;
  seconds: number;
}

/**
 * The bus benchmark's own container and sizes; its latency section runs once, without
 * a `--max-semi-space-size` flag (BENCH_SEMI_SPACES=0) unless the caller sets the
 * variable, to keep the whole run under ten minutes.
 */
async function runBusBench(
  config: BenchConfig,
  log: (line: string) => void,
): Promise<BusBenchJson> {
  const dir = await mkdtemp(join(tmpdir(), "system-bench-"));
  const jsonFile = join(dir, "bus.json");
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BENCH_ONLY: "publish,consume,latency",
      BENCH_JSON: jsonFile,
      BENCH_QUICK: config.quick ? "1" : "0",
      BENCH_SEMI_SPACES: process.env.BENCH_SEMI_SPACES ?? "0",
    };
    // System-bench sizes that share a name with the bus benchmark's must not leak into it.
    delete env.BENCH_LATENCY_SECONDS;
    delete env.BENCH_PERSISTENCE;
    const child = spawn(
      process.execPath,
      ["--conditions=@retail/source", "--import", "tsx", "bench/run.ts"],
      { cwd: join(repoRoot, "packages/bus"), env, stdio: ["ignore", "pipe", "pipe"] },
    );
    const output: string[] = [];
    const keep = (chunk: Buffer) => output.push(chunk.toString("utf8"));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0)
      throw new ChildProcessError(
        `the bus benchmark exited with code ${code}:\n${output.join("").slice(-3_000)}`,
      );
    const summary = output.join("").split("## summary")[1];
    if (summary) log(`  bus benchmark summary:${summary.trimEnd().replaceAll("\n", "\n  ")}`);
    return JSON.parse(await readFile(jsonFile, "utf8")) as BusBenchJson;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchBusRows(
  server: RedisServer,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<BusRows> {
  const started = performance.now();
  const bus = await runBusBench(config, log);
  const ceiling = await xaddCeiling(server, config.ceilingRequests);
  log(`  redis-benchmark XADD ceiling: ${Math.round(ceiling)} requests/s`);
  return { bus, ceiling, seconds: (performance.now() - started) / 1_000 };
}
