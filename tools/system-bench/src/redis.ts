/**
 * The benchmark's one Redis: a fresh container through @retail/testing, reached on the
 * container's own bridge address where possible (see `route`), plus `redis-benchmark`
 * run inside that container for the XADD ceiling.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  type RedisCluster,
  type RedisServer,
  startRedisCluster,
  startRedisServer,
} from "@retail/testing";
import { benchRoute } from "@retail/testing/bench-route";
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
 * A 3-master Redis Cluster (section 5), its nodes persisting as the standalone server
 * does, so the comparison differs in the deployment only. The nodes announce their
 * bridge addresses: no docker-proxy on the path either.
 */
export function startBenchCluster(persistence: Persistence): Promise<RedisCluster> {
  // The node's own "--appendonly no" comes first; Redis keeps the last value given.
  return startRedisCluster({ masters: 3, args: persistenceArgs(persistence) });
}

/**
 * Start the container, reached on its own bridge address where that answers (see
 * `benchRoute`: Docker's published port goes through a relay production does not have).
 */
export async function startBenchRedis(persistence: Persistence): Promise<BenchRedis> {
  // persistence "none" turns AOF and RDB off; the args then turn AOF back on as asked.
  const server = await startRedisServer({
    persistence: "none",
    args: persistenceArgs(persistence),
  });
  return { server, ...(await benchRoute(server)) };
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
