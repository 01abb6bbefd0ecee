import { Cluster, Redis } from "ioredis";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { busConnection, connectTo, useRedis } from "./use-redis.js";

const TAGGED_KEYS = ["{a}:k", "{b}:k", "{c}:k", "{d}:k", "{e}:k", "{f}:k"];

describe("useRedis() in a run that shares a cluster (vitest.cluster.config.ts)", () => {
  const redis = useRedis();
  let fromBeforeAll: Cluster;
  let fromTest: Cluster;

  beforeAll(() => {
    fromBeforeAll = redis().client() as Cluster;
  });

  /** How many keys each node holds, asked of each node. */
  async function sizes(): Promise<number[]> {
    return Promise.all(
      inject("redisClusterNodes").map(async ({ host, port }) => {
        const node = new Redis({ host, port, maxRetriesPerRequest: 0 });
        try {
          return await node.dbsize();
        } finally {
          node.disconnect();
        }
      }),
    );
  }

  it("is the run's cluster, started once by the global setup: its nodes are the address", () => {
    const nodes = inject("redisClusterNodes");
    expect(nodes).toHaveLength(3);
    expect(redis().kind).toBe("cluster");
    expect(redis().address).toBe(nodes.map(({ host, port }) => `${host}:${port}`).join(","));
    expect(redis().env()).toEqual({
      REDIS_URL: `redis://${nodes[0]?.host}:${nodes[0]?.port}`,
      REDIS_CLUSTER_NODES: redis().address,
    });
  });

  it("gives a bus a Cluster connection that waits out reconnects and auto-pipelines, also from its address", async () => {
    const connection = redis().connection();
    expect(connection).toBeInstanceOf(Cluster);
    const cluster = connection as Cluster;
    expect(cluster.options.enableAutoPipelining).toBe(true);
    expect(cluster.options.redisOptions?.maxRetriesPerRequest).toBeNull();
    expect(await cluster.ping()).toBe("PONG");
    const forChild = busConnection(redis().address) as Cluster;
    try {
      expect(forChild).toBeInstanceOf(Cluster);
      expect(forChild.options).toMatchObject({
        enableAutoPipelining: true,
        redisOptions: { maxRetriesPerRequest: null },
      });
    } finally {
      forChild.disconnect();
    }
  });

  it("gives an admin Cluster client that writes keys of every slot, and flushAll empties every master", async () => {
    fromTest = redis().client() as Cluster;
    expect(fromTest).toBeInstanceOf(Cluster);
    for (const key of TAGGED_KEYS) await fromTest.set(key, "1");
    expect((await sizes()).filter((size) => size > 0).length).toBeGreaterThan(1);

    await redis().flushAll();

    expect(await sizes()).toEqual([0, 0, 0]);
  });

  it("disconnects a client after the test that created it, and one from beforeAll only after the file", async () => {
    await vi.waitFor(() => expect(["close", "end"]).toContain(fromTest.status));
    expect(await fromBeforeAll.ping()).toBe("PONG");
  });

  it("turns its address back into a Cluster client with connectTo, for a child process", async () => {
    const client = connectTo(redis().address);
    try {
      expect(client).toBeInstanceOf(Cluster);
      await client.set("{a}:from-child", "1");
      expect(await client.get("{a}:from-child")).toBe("1");
    } finally {
      client.disconnect();
    }
  });
});
