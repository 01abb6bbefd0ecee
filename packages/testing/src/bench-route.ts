/**
 * How a benchmark reaches its Redis container. Docker publishes a container's port on
 * 127.0.0.1 through `docker-proxy`, a userland TCP relay that adds 50–400 µs to every
 * round trip and 40–120 µs of client CPU (packages/bus/BENCHMARKS.md, "Route to
 * Redis"): it would dwarf what is measured, and production has no such relay.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import type { RedisServer } from "./redis-server.js";

const run = promisify(execFile);

export interface BenchRoute {
  /** The URL every process of the benchmark uses. */
  url: string;
  /** How that URL reaches Redis, for the report's machine table. */
  route: string;
}

/**
 * The container's own address on the Docker bridge (Linux) when it answers a `PING`;
 * the published port otherwise (e.g. Docker Desktop), or when `BENCH_ROUTE=published`.
 */
export async function benchRoute(
  server: Pick<RedisServer, "url" | "containerId">,
): Promise<BenchRoute> {
  const published = { url: server.url, route: "published port (docker-proxy)" };
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
      return { url, route: `container address ${address}:6379 (Docker bridge, no docker-proxy)` };
    } finally {
      probe.disconnect();
    }
  } catch {
    return published;
  }
}
