import { Redis } from "ioredis";
import { getContainerRuntimeClient } from "testcontainers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NoRedisClusterError } from "./errors.js";
import type { RedisClusterNode } from "./redis-cluster.js";
import { CONTAINER_LABEL, REDIS_IMAGE } from "./redis-server.js";
import { useRedisCluster } from "./vitest.js";

interface NodeLine {
  id: string;
  address: string;
  flags: string[];
  /** The master's id, for a replica. */
  masterId: string | undefined;
  /** The slot ranges the node serves, inclusive. */
  ranges: [number, number][];
}

/** `CLUSTER NODES`, one line per node: id, ip:port@bus, flags, …, then its slot ranges. */
function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id = "", address = "", flags = "", master = "-", , , , , ...slots] = line.split(" ");
      const ranges = slots
        .filter((range) => !range.startsWith("[")) // slots being migrated
        .map((range): [number, number] => {
          const [from = 0, to = from] = range.split("-").map(Number);
          return [from, to];
        });
      return {
        id,
        address: address.split("@")[0] ?? "",
        flags: flags.split(","),
        masterId: master === "-" ? undefined : master,
        ranges,
      };
    });
}

const slotCount = (node: NodeLine) =>
  node.ranges.reduce((sum, [from, to]) => sum + to - from + 1, 0);

/** The id of the node serving `slot`. */
function ownerOf(nodes: NodeLine[], slot: number): string | undefined {
  return nodes.find((node) => node.ranges.some(([from, to]) => slot >= from && slot <= to))?.id;
}

const TAGGED_KEYS = ["{a}:k", "{b}:k", "{c}:k", "{d}:k", "{e}:k", "{f}:k"];

describe("a Redis Cluster of three masters", () => {
  const cluster = useRedisCluster();
  const tooEarly = (() => {
    try {
      return cluster();
    } catch (error) {
      return error;
    }
  })();
  const clients: { disconnect(): void }[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await cluster().flushAll();
  });

  function nodeClient(index: number): Redis {
    const node = cluster().nodes[index];
    if (!node) throw new Error(`no node ${index}`);
    const client = new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 0 });
    clients.push(client);
    return client;
  }

  it("exists only inside tests and hooks: the getter throws a coded error before", () => {
    expect(tooEarly).toBeInstanceOf(NoRedisClusterError);
    expect(tooEarly).toMatchObject({ code: "TESTING_ERR_NO_REDIS_CLUSTER" });
  });

  it("runs every node from the one image, labelled for cleanup", async () => {
    const runtime = await getContainerRuntimeClient();
    for (const node of cluster().nodes) {
      const info = await runtime.container.getById(node.containerId).inspect();
      expect(info.Config.Image).toBe(REDIS_IMAGE);
      expect(info.Config.Labels[CONTAINER_LABEL]).toBe("redis-cluster");
    }
  });

  it("has three masters covering all 16384 slots, each announcing the address the test reaches it at", async () => {
    const addresses = cluster().nodes.map((node) => `${node.host}:${node.port}`);
    for (let index = 0; index < addresses.length; index += 1) {
      const client = nodeClient(index);
      expect(await client.cluster("INFO")).toMatch(/cluster_state:ok/);
      const nodes = parseNodes((await client.cluster("NODES")) as string);
      const masters = nodes.filter((node) => node.flags.includes("master"));
      expect(masters).toHaveLength(3);
      expect(masters.reduce((sum, node) => sum + slotCount(node), 0)).toBe(16_384);
      expect(nodes.map((node) => node.address).sort()).toEqual([...addresses].sort());
    }
  });

  it("puts keys with different hash tags on different masters, and a Cluster client writes and reads them", async () => {
    const admin = nodeClient(0);
    const nodes = parseNodes((await admin.cluster("NODES")) as string);
    const owners = new Set<string | undefined>();
    for (const key of TAGGED_KEYS)
      owners.add(ownerOf(nodes, Number(await admin.cluster("KEYSLOT", key))));
    expect(owners.size).toBeGreaterThan(1);
    expect(owners.has(undefined)).toBe(false);

    const client = cluster().client();
    clients.push(client);
    for (const key of TAGGED_KEYS) await client.set(key, key.toUpperCase());
    for (const key of TAGGED_KEYS) expect(await client.get(key)).toBe(key.toUpperCase());
  });

  it("empties every master on flushAll", async () => {
    const client = cluster().client();
    clients.push(client);
    for (const key of TAGGED_KEYS) await client.set(key, "1");
    const sizes = async () =>
      Promise.all(cluster().nodes.map((_, index) => nodeClient(index).dbsize()));
    expect((await sizes()).filter((size) => size > 0).length).toBeGreaterThan(1);

    await cluster().flushAll();

    expect(await sizes()).toEqual([0, 0, 0]);
  });
});

describe("a Redis Cluster of three masters with a replica each", () => {
  const cluster = useRedisCluster({ replicasPerMaster: 1, nodeTimeoutMs: 2_000 });
  const clients: { disconnect(): void }[] = [];

  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  function nodeClient(node: RedisClusterNode): Redis {
    const client = new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 0 });
    client.on("error", () => {});
    clients.push(client);
    return client;
  }

  const addressOf = (node: RedisClusterNode) => `${node.host}:${node.port}`;

  it("creates the first three nodes masters and the other three their replicas, one each", async () => {
    const nodes = parseNodes(
      (await nodeClient(cluster().nodes[0] as RedisClusterNode).cluster("NODES")) as string,
    );
    const masters = nodes.filter((node) => node.flags.includes("master"));
    const replicas = nodes.filter((node) => node.flags.includes("slave"));
    expect(masters.map((node) => node.address).sort()).toEqual(
      cluster().nodes.slice(0, 3).map(addressOf).sort(),
    );
    expect(replicas.map((node) => node.address).sort()).toEqual(
      cluster().nodes.slice(3).map(addressOf).sort(),
    );
    expect(new Set(replicas.map((node) => node.masterId))).toEqual(
      new Set(masters.map((node) => node.id)),
    );
    expect((await cluster().masters()).map(addressOf)).toEqual(
      cluster().nodes.slice(0, 3).map(addressOf),
    );
  });

  it("promotes a master's replica when the master's container is killed, with what was written before", async () => {
    const seed = cluster().nodes[0] as RedisClusterNode;
    const slot = Number(await nodeClient(seed).cluster("KEYSLOT", "{a}:k"));
    const before = parseNodes((await nodeClient(seed).cluster("NODES")) as string);
    const owner = before.find((node) =>
      node.ranges.some(([from, to]) => slot >= from && slot <= to),
    );
    const replica = before.find((node) => node.masterId === owner?.id);
    const master = cluster().nodes.find((node) => addressOf(node) === owner?.address);
    const promoted = cluster().nodes.find((node) => addressOf(node) === replica?.address);
    if (!master || !promoted) throw new Error("no master with a replica for the slot of {a}:k");

    // replication is asynchronous: wait until the replica has the write
    const writer = nodeClient(master);
    await writer.set("{a}:k", "before");
    expect(await writer.call("WAIT", 1, 10_000)).toBe(1);

    await cluster().stopNode(master, "kill");

    const survivor = nodeClient(promoted);
    await vi.waitFor(
      async () => {
        expect((await survivor.role())[0]).toBe("master");
        expect(await survivor.cluster("INFO")).toMatch(/cluster_state:ok/);
      },
      // Seconds on a quiet machine; CI runs every package's tests at once.
      { timeout: 60_000, interval: 200 },
    );
    const client = cluster().client();
    clients.push(client);
    expect(await client.get("{a}:k")).toBe("before");
    const masters = (await cluster().masters()).map(addressOf);
    expect(masters).toContain(addressOf(promoted));
    expect(masters).not.toContain(addressOf(master));
  }, 120_000);
});
