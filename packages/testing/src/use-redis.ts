import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import { NoRedisError } from "./errors.js";
import type {} from "./provided-context.js";
import { flushMasters } from "./redis-cluster.js";
import { type RedisServer, type RedisServerOptions, startRedisServer } from "./redis-server.js";

/**
 * "The Redis of this run", the same to a test file whichever it is: a standalone server
 * of the file's own, or the one Redis Cluster the run shares. Every client it creates is
 * disconnected for the test: after the test that created it, or after the file's last
 * test for one created in `beforeAll`.
 */
export interface TestRedis {
  readonly kind: "standalone" | "cluster";
  /**
   * Where it is, as a string a child process can take: the server's `redis://` URL, or
   * the cluster's nodes as `host:port,host:port,…` (the form of `REDIS_CLUSTER_NODES`).
   * {@link connectTo} turns either back into a client.
   */
  readonly address: string;
  /**
   * What to hand a bus (`createBus({ redis })`) or anything taking a connection: the
   * server's URL, or a new `Cluster` client set up as the bus sets up a connection of its
   * own (commands wait out a reconnect instead of failing; auto-pipelined).
   */
  connection(): string | Cluster;
  /** A new admin client: a `Redis` for the server, a `Cluster` for the cluster. */
  client(): Redis | Cluster;
  /** `FLUSHALL` (on every master of the cluster): an empty Redis for the next test. */
  flushAll(): Promise<void>;
  /**
   * The environment a service process reads its Redis from: `REDIS_URL` for the server;
   * for the cluster `REDIS_CLUSTER_NODES` (every node) and `REDIS_URL` (the first node).
   */
  env(): Record<string, string>;
}

/**
 * The Redis of this run for the calling test file. When the run shares a cluster
 * (`globalSetup: ["@retail/testing/cluster-global-setup"]`, whose config must run one
 * file at a time since every file flushes it), that cluster; otherwise a standalone
 * server started for the file (`serverOptions`) and removed after it, like
 * `useRedisServer()`. So a file written against it runs unchanged on both:
 *
 * ```ts
 * const redis = useRedis();
 * beforeEach(() => redis().flushAll());
 * it("...", async () => { const bus = createBus({ redis: redis().connection(), … }); … });
 * ```
 */
export function useRedis(serverOptions: RedisServerOptions = {}): () => TestRedis {
  const nodes = inject("redisClusterNodes");
  let redis: SharedCluster | OwnServer | undefined;
  let server: RedisServer | undefined;
  const fileClients: Disconnectable[] = [];
  const testClients: Disconnectable[] = [];
  let current = fileClients;
  const track = <T extends Disconnectable>(client: T): T => {
    current.push(client);
    return client;
  };

  beforeAll(async () => {
    if (nodes && nodes.length > 0) {
      redis = new SharedCluster(nodes, track);
    } else {
      server = await startRedisServer(serverOptions);
      redis = new OwnServer(server, track);
    }
  }, serverOptions.startupTimeoutMs ?? 120_000);
  beforeEach(() => {
    current = testClients;
  });
  afterEach(() => {
    current = fileClients;
    for (const client of testClients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    for (const client of fileClients.splice(0)) client.disconnect();
    await server?.dispose();
  });
  return () => {
    if (!redis) throw new NoRedisError();
    return redis;
  };
}

interface Disconnectable {
  disconnect(): void;
}

type Track = <T extends Disconnectable>(client: T) => T;

/** A `Cluster` client needs an error listener, or ioredis prints every expected connection error. */
function quiet<T extends Redis | Cluster>(client: T): T {
  client.on("error", () => {});
  return client;
}

class OwnServer implements TestRedis {
  readonly kind = "standalone";
  readonly address: string;

  constructor(
    private readonly server: RedisServer,
    private readonly track: Track,
  ) {
    this.address = server.url;
  }

  connection(): string {
    return this.server.url;
  }

  client(): Redis {
    return this.track(this.server.client());
  }

  flushAll(): Promise<void> {
    return this.server.flushAll();
  }

  env(): Record<string, string> {
    return { REDIS_URL: this.server.url };
  }
}

class SharedCluster implements TestRedis {
  readonly kind = "cluster";
  readonly address: string;

  constructor(
    private readonly nodes: readonly { host: string; port: number }[],
    private readonly track: Track,
  ) {
    this.address = nodes.map(({ host, port }) => `${host}:${port}`).join(",");
  }

  connection(): Cluster {
    return this.track(busConnection(this.address) as Cluster);
  }

  client(): Cluster {
    return this.track(connectTo(this.address) as Cluster);
  }

  flushAll(): Promise<void> {
    return flushMasters(this.nodes);
  }

  env(): Record<string, string> {
    const [first] = this.nodes;
    return {
      REDIS_URL: `redis://${first?.host}:${first?.port}`,
      REDIS_CLUSTER_NODES: this.address,
    };
  }
}

/**
 * What to hand a bus for an {@link TestRedis.address}: the URL itself (the bus opens its
 * connection), or a `Cluster` client set up as the bus sets up a connection of its own:
 * commands wait out a reconnect instead of failing, auto-pipelined. The caller
 * disconnects a Cluster (a bus does not close a client it was given).
 */
export function busConnection(address: string): string | Cluster {
  if (isUrl(address)) return address;
  return connectTo(address, {
    enableAutoPipelining: true,
    redisOptions: { maxRetriesPerRequest: null },
  }) as Cluster;
}

const isUrl = (address: string) => /^rediss?:\/\//.test(address);

/**
 * A client for an {@link TestRedis.address}: a `Redis` for a `redis://` URL, a `Cluster`
 * seeded with every node for a `host:port,…` list. For child processes handed an
 * address; the caller disconnects it. Connection errors surface through commands.
 */
export function connectTo(
  address: string,
  options: RedisOptions | ClusterOptions = {},
): Redis | Cluster {
  if (isUrl(address)) return quiet(new Redis(address, options as RedisOptions));
  const seeds = address.split(",").map((seed) => {
    const [host = "", port = "6379"] = seed.trim().split(":");
    return { host, port: Number(port) };
  });
  return quiet(new Cluster(seeds, options as ClusterOptions));
}
