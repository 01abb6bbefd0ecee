/**
 * The benchmark's one Redis: a fresh container through @retail/testing, reached on the
 * container's own bridge address where possible (see `route`), plus `redis-benchmark`
 * run inside that container for the XADD ceiling.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type RedisServer, startRedisServer } from "@retail/testing";
import { Redis } from "ioredis";
import type { Persistence } from "./config.js";
import { parseRedisBenchmark } from "./redis-benchmark-output.js";

const run = promisify(execFile);

export interface BenchRedis {
  server: RedisServer;
  /** The URL every process of the benchmark uses. */
  url: string;
  /** How that URL reaches Redis, for the machine table. */
  route: string;
}

function persistenceArgs(persistence: Persistence): string[] {
  if (persistence === "none") return [];
  return ["--appendonly", "yes", "--appendfsync", persistence];
}

/**
 * Start the container. Docker publishes its port through `docker-proxy`, a userland relay
 * that adds 50–400 µs to every round trip (packages/bus/BENCHMARKS.md, "Route to Redis")
 * and that production does not have, so the container's bridge address is used when it
 * answers; the published port otherwise (e.g. Docker Desktop).
 */
export async function startBenchRedis(persistence: Persistence): Promise<BenchRedis> {
  // persistence "none" turns AOF and RDB off; the args then turn AOF back on as asked.
  const server = await startRedisServer({
    persistence: "none",
    args: persistenceArgs(persistence),
  });
  const published = { server, url: server.url, route: "published port (docker-proxy)" };
  if (process.env.BENCH_ROUTE === "published") return published;
  try {
    const { stdout } = await run(
      "docker",
      [
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
        server.containerId,
      ],
      { timeout: 10_000 },
    );
    const address = stdout.trim().split(/\s+/)[0];
    if (!address) return published;
    const url = `redis://${address}:6379`;
    const probe = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 1_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on("error", () => {});
    try {
      await probe.connect();
      await probe.ping();
      return { server, url, route: `container address ${address}:6379 (Docker bridge)` };
    } finally {
      probe.disconnect();
    }
  } catch {
    return published;
  }
}

/** The ceiling `redis-benchmark` options, for the report. */
export const CEILING_CLIENTS = 50;
export const CEILING_PIPELINE = 16;
export const CEILING_PAYLOAD_BYTES = 200;

/**
 * `redis-benchmark` of `XADD` inside the Redis container itself: the server's ceiling
 * for appends of a 200-byte field with no client library and no network hop in the way.
 */
export async function xaddCeiling(server: RedisServer, requests: number): Promise<number> {
  const key = "bench:ceiling";
  const { stdout } = await run(
    "docker",
    [
      "exec",
      server.containerId,
      "redis-benchmark",
      "-n",
      String(requests),
      "-c",
      String(CEILING_CLIENTS),
      "-P",
      String(CEILING_PIPELINE),
      "-q",
      "XADD",
      key,
      "*",
      "payload",
      "x".repeat(CEILING_PAYLOAD_BYTES),
    ],
    { timeout: 120_000, maxBuffer: 16 * 2 ** 20 },
  );
  const client = server.client();
  try {
    await client.del(key);
  } finally {
    client.disconnect();
  }
  return parseRedisBenchmark(stdout);
}
