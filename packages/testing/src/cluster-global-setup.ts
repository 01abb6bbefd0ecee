import type { TestProject } from "vitest/node";
import type {} from "./provided-context.js";
import { startRedisCluster } from "./redis-cluster.js";

/**
 * A vitest `globalSetup` module: one Redis Cluster (3 masters) for every test file of a
 * run, which `useRedis()` hands to each file instead of a server of its own. Every file
 * flushes it between tests, so a config using this runs one file at a time
 * (`fileParallelism: false`). Files that stop or restart Redis keep their own
 * `useRedisServer()` / `useRedisCluster()`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster();
  project.provide(
    "redisClusterNodes",
    cluster.nodes.map(({ host, port }) => ({ host, port })),
  );
  return () => cluster.dispose();
}
