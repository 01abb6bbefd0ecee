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
  /**
   * How long a command may wait for its reply before it fails with "Command timed out"
   * (a 503 for an HTTP request). Bounds the wait when Redis hangs (paused, overloaded, a
   * silent network cut) with the connection still open, which `maxRetriesPerRequest`
   * cannot see. Connections made with `duplicate()` (the bus's blocking reads and
   * subscriptions) do not inherit it: they wait on purpose. Default: 5 000.
   */
  commandTimeoutMs?: number;
  /** At most one "connection error" log line per this many ms. Default: 10 000. */
  errorLogIntervalMs?: number;
}

/**
 * The service's Redis client, the same in every service: auto-pipelined (every command
 * issued in one tick of the event loop goes out in one socket write, instead of one
 * write system call per command), named after the service in
 * `CLIENT LIST`, logging its connection errors at a limited rate (ioredis
 * reconnects by itself and reports every failed attempt), and failing a command within
 * a bounded time while Redis is away, so that a request answers 503 instead of hanging.
 */
export function createRedisClient(
  context: ServiceContext,
  options: RedisClientOptions = {},
): Redis {
  const redisOptions = {
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? 1 : options.maxRetriesPerRequest,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    enableAutoPipelining: true,
    connectionName: context.name,
  } satisfies RedisOptions;
  const redis = new ServiceRedis(options.url ?? context.config.REDIS_URL, redisOptions);
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

/**
 * A client whose duplicates drop `commandTimeout`: a blocking read (`XREADGROUP BLOCK`)
 * or a subscription waits on purpose, and a read abandoned by the client would leave
 * the entries Redis delivered to it pending and unseen until they are reclaimed.
 */
class ServiceRedis extends Redis {
  override duplicate(override?: Partial<RedisOptions>): Redis {
    return super.duplicate({ commandTimeout: undefined, ...override });
  }
}
