import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { DeadlinePassedError } from "./errors.js";

/** A standalone client or a Cluster: the bus works with either. */
export type RedisClient = Redis | Cluster;

/** How a bus reaches Redis: a URL, ioredis options, or a client you own. */
export type RedisConnection = string | RedisOptions | RedisClient;

/**
 * Whether `value` is an ioredis client (standalone or Cluster). Checked by shape, not
 * `instanceof`: an application often ends up with two copies of ioredis (a different
 * version, or the same one resolved twice by the package manager), and a client from
 * the other copy must not be mistaken for options — the bus would silently connect to
 * localhost instead.
 */
export function isRedisClient(value: unknown): value is RedisClient {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<Redis>).sendCommand === "function" &&
    typeof (value as Partial<Redis>).duplicate === "function"
  );
}

/** Whether a client is a Cluster (by shape, for the same reason as {@link isRedisClient}). */
export function isCluster(client: RedisClient): client is Cluster {
  return (
    client instanceof Cluster || typeof (client as unknown as Partial<Cluster>).nodes === "function"
  );
}

/**
 * The bus's connections: one for commands (auto-pipelined: everything issued in the
 * same tick goes out in one write), and, created on demand, one per blocking reader
 * and one for Pub/Sub subscriptions — a blocked connection cannot serve anybody else.
 */
export class Connections {
  readonly commands: RedisClient;
  private readonly ownsCommands: boolean;
  private readonly extra = new Set<RedisClient>();

  /** `onError` hears connection errors of the connections the bus opens (ioredis reconnects by itself). */
  constructor(
    connection: RedisConnection,
    private readonly onError: (error: Error) => void,
  ) {
    if (isRedisClient(connection)) {
      this.commands = connection;
      this.ownsCommands = false;
    } else {
      // Commands wait out a reconnect instead of failing after a few retries; the
      // publisher bounds the wait with its own timeout.
      const options: RedisOptions = { maxRetriesPerRequest: null, enableAutoPipelining: true };
      this.commands =
        typeof connection === "string"
          ? new Redis(connection, options)
          : new Redis({ ...options, ...connection });
      this.ownsCommands = true;
      this.commands.on("error", onError);
    }
  }

  /**
   * A dedicated connection (same server and credentials) that the caller must `release`.
   * A command in flight when it drops fails rather than being sent again: a blocking
   * read whose reply was lost may have delivered entries, and the reader must know to
   * read its own history before anything newer. No command timeout, whatever the
   * client passed in has: a blocking read abandoned by a timeout would leave the
   * entries Redis delivered to it pending, unseen. `cluster` adds options for a
   * Cluster's duplicate (sharded Pub/Sub subscribers).
   */
  dedicated(name: string, cluster: Pick<ClusterOptions, "shardedSubscribers"> = {}): RedisClient {
    const options = {
      connectionName: name,
      maxRetriesPerRequest: null,
      autoResendUnfulfilledCommands: false,
      commandTimeout: undefined,
    };
    const client = isCluster(this.commands)
      ? this.commands.duplicate(undefined, { ...cluster, redisOptions: options })
      : this.commands.duplicate({ ...options, enableAutoPipelining: false });
    client.on("error", this.onError);
    this.extra.add(client);
    return client;
  }

  release(client: RedisClient): void {
    this.extra.delete(client);
    client.disconnect();
  }

  /**
   * Close the connections the bus opened. `QUIT` lets replies in flight arrive; if Redis
   * does not answer by `deadline` (epoch ms; it may be down) the socket is just dropped.
   */
  async close(deadline: number): Promise<void> {
    for (const client of this.extra) client.disconnect();
    this.extra.clear();
    if (!this.ownsCommands) return;
    if (this.commands.status === "ready") {
      await beforeDeadline(this.commands.quit(), deadline).catch(() => {});
    }
    this.commands.disconnect();
  }
}

/** True for the error Redis gives when a consumer group (or its stream) is gone. */
export function isNoGroupError(error: unknown): boolean {
  return String((error as Error)?.message ?? "").startsWith("NOGROUP");
}

/**
 * Wait for `work` until `deadline` (epoch ms) at the latest; rejects with
 * `DeadlinePassedError` after that. The work itself is not cancelled. The timer does
 * not keep the process alive.
 */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlinePassedError()), Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
