import { freePort, useRedisCluster } from "@retail/testing";
import { Cluster, Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kitCatalog } from "../test/kit-catalog.js";
import { testIdentity } from "./auth/test-identity.js";
import { createServiceContext } from "./context.js";
import { defineService } from "./define-service.js";
import { redisReadinessCheck } from "./health.js";
import { CLUSTER_RETRY, createRedisClient } from "./redis-client.js";
import { isRedisUnavailable } from "./redis-unavailable.js";

const LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? "silent";
/** Hash tags whose slots are spread over the three masters' ranges (0–5460, 5461–10922, 10923–16383). */
const TAGS_ON_EVERY_MASTER = ["{a}", "{b}", "{c}", "{d}", "{e}", "{f}", "{g}", "{h}"];

function contextFor(env: Record<string, string>, lines: string[] = []) {
  return createServiceContext({
    name: "orders-test",
    env: { PORT: "0", LOG_LEVEL: "warn", ...env },
    logDestination: { write: (line: string) => void lines.push(line) },
  });
}

// One cluster for the file: starting one takes seconds.
const cluster = useRedisCluster();

/** REDIS_URL names the first node, REDIS_CLUSTER_NODES the others. */
function clusterEnv(): Record<string, string> {
  const [first, ...others] = cluster().nodes;
  if (!first) throw new Error("the cluster has no nodes");
  return {
    REDIS_URL: `redis://${first.host}:${first.port}`,
    REDIS_CLUSTER_NODES: others.map(({ host, port }) => `${host}:${port}`).join(","),
  };
}

describe("createRedisClient with REDIS_CLUSTER_NODES", () => {
  const disconnect: (() => void)[] = [];
  afterEach(async () => {
    for (const close of disconnect.splice(0)) close();
    await cluster().flushAll();
  });

  function track<T extends { disconnect(): void }>(client: T): T {
    disconnect.push(() => client.disconnect());
    return client;
  }

  it("is a Cluster, not auto-pipelined, that reaches every master under the service's name", async () => {
    const client = track(createRedisClient(contextFor(clusterEnv())));
    expect(client).toBeInstanceOf(Cluster);
    expect(client.options.enableAutoPipelining).toBe(false);
    await Promise.all(TAGS_ON_EVERY_MASTER.map((tag) => client.set(`${tag}:k`, tag)));
    expect(await Promise.all(TAGS_ON_EVERY_MASTER.map((tag) => client.get(`${tag}:k`)))).toEqual(
      TAGS_ON_EVERY_MASTER,
    );
    if (!(client instanceof Cluster)) throw new Error("expected a Cluster");
    const masters = client.nodes("master");
    expect(masters).toHaveLength(3);
    for (const master of masters)
      expect(String(await master.client("LIST"))).toMatch(/ name=orders-test /);
  });

  it("retries MOVED, ASK, CLUSTERDOWN and TRYAGAIN within bounds, and follows MOVED to a slot's new master", async () => {
    const client = track(createRedisClient(contextFor(clusterEnv())));
    expect(client.options).toMatchObject({ ...CLUSTER_RETRY, maxRedirections: 50 });
    await client.set("{loaded}:k", "v"); // the client now holds the slot map
    const slot = Number(await client.cluster("KEYSLOT", "{moved}:k"));
    const masters = await mastersBySlotRange();
    const owner = masters.find(({ from, to }) => slot >= from && slot <= to);
    const target = masters.find((master) => master !== owner);
    if (!owner || !target) throw new Error("expected three masters");
    // The slot is empty, so it can be handed over without migrating keys; every node is told.
    for (const node of [target, owner, ...masters.filter((m) => m !== owner && m !== target)])
      await withNode(node, (admin) => admin.cluster("SETSLOT", slot, "NODE", target.id));

    await client.set("{moved}:k", "after the move"); // the old owner answers MOVED
    expect(await withNode(target, (admin) => admin.get("{moved}:k"))).toBe("after the move");
  });

  it("seeds the cluster with REDIS_URL's host too, so one reachable node of either is enough", async () => {
    const [first] = cluster().nodes;
    const nobody = `127.0.0.1:${await freePort()}`;
    const client = track(
      createRedisClient(
        contextFor({
          REDIS_URL: `redis://${first?.host}:${first?.port}`,
          REDIS_CLUSTER_NODES: nobody,
        }),
      ),
    );
    await client.set("{seed}:k", "v");
    expect(await client.get("{seed}:k")).toBe("v");
  });

  it("authenticates on every node as REDIS_URL's user", async () => {
    await Promise.all(
      cluster().nodes.map((node) =>
        withNode(node, (admin) =>
          admin.acl("SETUSER", "kit-user", "on", ">s3cret/pw", "~*", "&*", "+@all"),
        ),
      ),
    );
    const env = clusterEnv();
    const url = new URL(env.REDIS_URL as string);
    url.username = "kit-user";
    url.password = encodeURIComponent("s3cret/pw");
    const client = track(createRedisClient(contextFor({ ...env, REDIS_URL: url.toString() })));
    await Promise.all(TAGS_ON_EVERY_MASTER.map((tag) => client.set(`${tag}:k`, tag)));
    if (!(client instanceof Cluster)) throw new Error("expected a Cluster");
    for (const master of client.nodes("master"))
      expect(await master.acl("WHOAMI")).toBe("kit-user");
  });

  it("fails a command no node answers in time, while its duplicates (blocking reads) wait on", async () => {
    const client = track(createRedisClient(contextFor(clusterEnv()), { commandTimeoutMs: 100 }));
    if (!(client instanceof Cluster)) throw new Error("expected a Cluster");
    const blocking = track(client.duplicate());
    await expect(client.blpop("{never}:filled", 1)).rejects.toThrow("Command timed out");
    await expect(blocking.blpop("{never}:filled", 1)).resolves.toBeNull();
  });
});

interface Master {
  id: string;
  host: string;
  port: number;
  from: number;
  to: number;
}

/** The masters and the one slot range each holds (as `redis-cli --cluster create` assigns them). */
async function mastersBySlotRange(): Promise<Master[]> {
  const [first] = cluster().nodes;
  if (!first) throw new Error("the cluster has no nodes");
  const lines = String(await withNode(first, (admin) => admin.cluster("NODES"))).split("\n");
  return lines.flatMap((line) => {
    const [id, address, flags, , , , , , range] = line.split(" ");
    if (!id || !address || !flags?.includes("master") || !range) return [];
    const [hostPort] = address.split("@");
    const [host, port] = (hostPort ?? "").split(":");
    const [from, to] = range.split("-").map(Number);
    return [{ id, host: host ?? "", port: Number(port), from: from ?? 0, to: to ?? from ?? 0 }];
  });
}

async function withNode<T>(
  node: { host: string; port: number },
  work: (admin: Redis) => Promise<T>,
): Promise<T> {
  const admin = new Redis({ host: node.host, port: node.port });
  try {
    return await work(admin);
  } finally {
    admin.disconnect();
  }
}

describe("createRedisClient with cluster seeds nobody answers", () => {
  it("gives every node connection REDIS_URL's user, password and TLS (rediss://), and not its database", async () => {
    const port = await freePort();
    const client = createRedisClient(
      contextFor({
        REDIS_URL: `rediss://svc:p%40ss@127.0.0.1:${port}/3`,
        REDIS_CLUSTER_NODES: `127.0.0.1:${port}`,
      }),
    );
    try {
      if (!(client instanceof Cluster)) throw new Error("expected a Cluster");
      expect(client.options.redisOptions).toMatchObject({
        username: "svc",
        password: "p@ss",
        tls: {},
        connectionName: "orders-test",
      });
      expect(client.options.redisOptions).not.toHaveProperty("db");
    } finally {
      client.disconnect();
    }
  });

  it("fails commands as unavailable, also those it queues while reconnecting, logs the errors at a limited rate, and is not ready", async () => {
    const lines: string[] = [];
    const port = await freePort();
    const client = createRedisClient(
      contextFor(
        { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CLUSTER_NODES: `127.0.0.1:${port}` },
        lines,
      ),
      { errorLogIntervalMs: 60_000, commandTimeoutMs: 200 },
    );
    let errors = 0;
    client.on("error", () => errors++);
    try {
      const failure = await client.get("{k}:v").then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isRedisUnavailable(failure)).toBe(true);
      // Not auto-pipelined: it waits in the cluster's queue for a reconnect that never comes.
      await expect(client.info()).rejects.toThrow("Command timed out");
      await expect(redisReadinessCheck(client).check()).rejects.toThrow(/Redis connection is/);
      await vi.waitFor(() => expect(errors).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
      const logged = lines.filter((line) => line.includes("Redis connection error"));
      expect(logged).toHaveLength(1);
    } finally {
      client.disconnect();
    }
  });
});

describe("a service on a Redis Cluster", () => {
  it("connects in cluster mode from its environment and answers ready, with Redis and its bus ok", async () => {
    const service = await defineService({
      name: "kit-test",
      catalog: kitCatalog,
      setup: () => ({ handlers: { "kit.pinged": () => {} } }),
    }).create({
      env: {
        PORT: "0",
        LOG_LEVEL,
        ...clusterEnv(),
        AUTH_JWKS_FILE: (await testIdentity()).jwksFile,
      },
      bus: { shutdownTimeoutMs: 2_000 },
    });
    try {
      expect(service.redis).toBeInstanceOf(Cluster);
      await service.start();
      await vi.waitFor(
        async () => {
          const ready = await service.app.inject({ method: "GET", url: "/health/ready" });
          expect(ready.statusCode, ready.body).toBe(200);
          expect(ready.json()).toEqual({ status: "ready", checks: { redis: "ok", bus: "ok" } });
        },
        { timeout: 15_000, interval: 50 },
      );
      const live = await service.app.inject({ method: "GET", url: "/health/live" });
      expect(live.statusCode).toBe(200);
    } finally {
      await service.close();
    }
    expect(service.redis.status).toBe("end");
  });
});
