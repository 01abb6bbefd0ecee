import { afterAll, beforeAll } from "vitest";
import { NoRedisServerError } from "./errors.js";
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
