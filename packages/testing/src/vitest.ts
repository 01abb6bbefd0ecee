import { afterAll, beforeAll } from "vitest";
import { NoRedisClusterError, NoRedisServerError } from "./errors.js";
import { type RedisCluster, type RedisClusterOptions, startRedisCluster } from "./redis-cluster.js";
import { type RedisServer, type RedisServerOptions, startRedisServer } from "./redis-server.js";

/**
 * One Redis container for the calling test file: started before its first test,
 * removed after its last, also when tests fail. Returns a getter because the
 * server exists only once `beforeAll` has run.
 *
 * ```ts
 * const redis = useRedisServer();
 * it("...", async () => { const client = redis().client(); ... });
 * ```
 */
export function useRedisServer(options: RedisServerOptions = {}): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer(options);
  }, options.startupTimeoutMs ?? 120_000);
  afterAll(async () => {
    await server?.dispose();
  });
  return () => {
    if (!server) throw new NoRedisServerError();
    return server;
  };
}

/**
 * One Redis Cluster for the calling test file, like {@link useRedisServer}: started
 * before its first test, its containers removed after its last.
 */
export function useRedisCluster(options: RedisClusterOptions = {}): () => RedisCluster {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(options);
  }, options.startupTimeoutMs ?? 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  });
  return () => {
    if (!cluster) throw new NoRedisClusterError();
    return cluster;
  };
}
