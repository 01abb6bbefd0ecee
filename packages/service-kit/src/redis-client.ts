import { readFileSync } from "node:fs";
import type { RedisClient } from "@retail/bus";
import {
  Cluster,
  type ClusterNode,
  type ClusterOptions,
  type Command,
  Redis,
  type RedisOptions,
} from "ioredis";
import type { ClusterNodeAddress } from "./config.js";
import type { ServiceContext } from "./context.js";

/** Options of {@link createRedisClient}; every one is optional. */
export interface RedisClientOptions {
  /** Default: the service's `REDIS_URL`. */
  url?: string;
  /**
   * Seeds of a Redis Cluster: given, the client is an ioredis `Cluster` seeded with
   * these and `url`'s host, with `url`'s credentials and TLS. Default: the service's
   * `REDIS_CLUSTER_NODES` (unset: a single Redis at `url`).
   */
  clusterNodes?: readonly ClusterNodeAddress[];
  /**
   * How often a command is retried across reconnects before it fails. Default: 1 — an
   * HTTP request fails fast (503) while Redis is away instead of hanging.
   */
  maxRetriesPerRequest?: number | null;
  /**
   * How long a command may wait for its reply before it fails with "Command timed out"
   * (a 503 for an HTTP request). Bounds the wait when Redis hangs (paused, overloaded, a
   * silent network cut) with the connection still open, which `maxRetriesPerRequest`
   * cannot see; on a cluster it also bounds the wait while the cluster is reconnecting
   * and the redirections of a failover. Connections made with `duplicate()` (the bus's
   * blocking reads and subscriptions) do not inherit it: they wait on purpose.
   * Default: 5 000.
   */
  commandTimeoutMs?: number;
  /** At most one "connection error" log line per this many ms. Default: 10 000. */
  errorLogIntervalMs?: number;
}

/**
 * How a cluster client rides out a failover or a resharding. A command answered with
 * `MOVED`/`ASK` is sent on to the named node; `CLUSTERDOWN` (no quorum yet, a master
 * being replaced), `TRYAGAIN` (a slot in migration) and a connection closed under it
 * (its master died) are retried after a pause. All of these count against
 * `maxRedirections`, and `commandTimeoutMs` bounds the whole, so a command always ends.
 */
export const CLUSTER_RETRY = {
  /**
   * Redirections and retries of one command before it fails ("Too many Cluster
   * redirections", a 503). Enough to outlast a replica's promotion (a few node timeouts,
   * 5–7 s in the compose demo) at `retryDelayOnFailover`; `commandTimeoutMs` bounds a
   * request's wait before that.
   */
  maxRedirections: 50,
  /** A node's connection closed under a command: wait for the slots to be refreshed. */
  retryDelayOnFailover: 200,
  /** `CLUSTERDOWN`: the cluster votes a replica in within a few node timeouts. */
  retryDelayOnClusterDown: 300,
  /** `TRYAGAIN`: a multi-key command during a slot migration. */
  retryDelayOnTryAgain: 100,
  /** `MOVED` right after a failover can bounce between nodes until they agree; a short pause stops the ping-pong. */
  retryDelayOnMoved: 50,
  /** Reconnect forever after every node was lost, at most 2 s apart, as a single client does. */
  clusterRetryStrategy: (times: number) => Math.min(100 * times, 2_000),
} as const satisfies ClusterOptions;

/**
 * The service's Redis client, the same in every service: auto-pipelined (every command
 * issued in one tick of the event loop goes out in one socket write, instead of one
 * write system call per command), named after the service in
 * `CLIENT LIST`, logging its connection errors at a limited rate (ioredis
 * reconnects by itself and reports every failed attempt), and failing a command within
 * a bounded time while Redis is away, so that a request answers 503 instead of hanging.
 *
 * With cluster seeds (`REDIS_CLUSTER_NODES`) it is an ioredis `Cluster` that behaves the
 * same except for auto-pipelining, and retries `MOVED`, `ASK`, `CLUSTERDOWN` and
 * `TRYAGAIN` a bounded number of times ({@link CLUSTER_RETRY}).
 */
export function createRedisClient(
  context: ServiceContext,
  options: RedisClientOptions = {},
): RedisClient {
  const url = options.url ?? context.config.REDIS_URL;
  const commandTimeout = options.commandTimeoutMs ?? 5_000;
  const tls = tlsOf(url, context.config.REDIS_TLS_CA_FILE);
  const redisOptions = {
    ...(tls === undefined ? {} : { tls }),
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined ? 1 : options.maxRetriesPerRequest,
    commandTimeout,
    connectionName: context.name,
  } satisfies RedisOptions;
  const clusterNodes = options.clusterNodes ?? context.config.REDIS_CLUSTER_NODES;
  const redis: RedisClient =
    clusterNodes === undefined || clusterNodes.length === 0
      ? new ServiceRedis(url, { ...redisOptions, enableAutoPipelining: true })
      : new ServiceCluster(clusterSeeds(clusterNodes, url), {
          ...CLUSTER_RETRY,
          // Not auto-pipelined: ioredis follows a redirection for a pipeline only when
          // every command in it failed alike, so after a failover a batch of commands on
          // several slots would hand their MOVED replies to the callers (HTTP 500s).
          enableAutoPipelining: false,
          redisOptions: { ...credentialsOf(url), ...redisOptions },
        });
  const interval = options.errorLogIntervalMs ?? 10_000;
  let lastLogged = Number.NEGATIVE_INFINITY;
  redis.on("error", (error: Error) => {
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

/**
 * A cluster client whose every command fails with "Command timed out" after
 * `commandTimeout`, counted from when it is issued: a node applies the timeout only
 * once the command reaches it, and the cluster keeps commands in its own queue, without
 * a bound, while it reconnects. Its duplicates (blocking reads, subscriptions) drop the
 * timeout, as {@link ServiceRedis}'s do.
 */
class ServiceCluster extends Cluster {
  override sendCommand(command: Command, stream?: unknown, node?: unknown): unknown {
    const timeout = this.options.redisOptions?.commandTimeout;
    // A timer set here is the one the node would set later (a command keeps its first).
    if (timeout !== undefined) command.setTimeout(timeout);
    return super.sendCommand(command, stream as Parameters<Cluster["sendCommand"]>[1], node);
  }

  override duplicate(
    overrideStartupNodes?: ClusterNode[],
    overrideOptions?: ClusterOptions,
  ): Cluster {
    return super.duplicate(overrideStartupNodes, {
      ...overrideOptions,
      redisOptions: { commandTimeout: undefined, ...overrideOptions?.redisOptions },
    });
  }
}

/** The cluster's seeds: the given nodes, then `url`'s host unless it is one of them. */
function clusterSeeds(
  nodes: readonly ClusterNodeAddress[],
  url: string,
): { host: string; port: number }[] {
  const seeds = nodes.map(({ host, port }) => ({ host, port }));
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  if (host !== "" && !seeds.some((seed) => seed.host === host && seed.port === port))
    seeds.push({ host, port });
  return seeds;
}

/** TLS options for a `rediss://` URL (trusting `caFile`'s authorities when given); none otherwise. */
function tlsOf(url: string, caFile: string | undefined): RedisOptions["tls"] {
  if (new URL(url).protocol !== "rediss:") return undefined;
  return caFile === undefined ? {} : { ca: readFileSync(caFile, "utf8") };
}

/**
 * What a cluster's node connections take from `REDIS_URL`: user, password, TLS. Not the
 * database number: a cluster has only database 0.
 */
function credentialsOf(url: string): Pick<RedisOptions, "username" | "password" | "tls"> {
  const parsed = new URL(url);
  return {
    ...(parsed.username === "" ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === "" ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
  };
}
