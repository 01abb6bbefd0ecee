import { Redis, type RedisOptions } from "ioredis";
import type { ServiceContext } from "./context.js";

/** Options of {@link createRedisClient}; every one is optional. */
export interface RedisClientOptions {
  /** Default: the service's `REDIS_URL`. */
  url?: string;
  /**
   * How often a command is retried across reconnects before it fails. Default: 1 — an
   * HTTP request fails fast (503) while Redis is away instead of hanging.
   */
  maxRetriesPerRequest?: number | null;
  /** At most one "connection error" log line per this many ms. Default: 10 000. */
  errorLogIntervalMs?: number;
}

/**
 * The service's Redis client, the same in every service: auto-pipelined (every command
 * issued in one tick of the event loop goes out in one socket write, instead of one
 * write system call per command), named after the service in
 * `CLIENT LIST`, and logging its connection errors at a limited rate (ioredis
 * reconnects by itself and reports every failed attempt).
 */
export function createRedisClient(
  context: ServiceContext,
  options: RedisClientOptions = {},
): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? 1 : options.maxRetriesPerRequest,
    enableAutoPipelining: true,
    connectionName: context.name,
  };
  const redis = new Redis(options.url ?? context.config.REDIS_URL, redisOptions);
  const interval = options.errorLogIntervalMs ?? 10_000;
  let lastLogged = Number.NEGATIVE_INFINITY;
  redis.on("error", (error) => {
    const now = Date.now();
    if (now - lastLogged < interval) return;
    lastLogged = now;
    context.logger.warn({ err: error }, "Redis connection error; reconnecting");
  });
  return redis;
}
