/**
 * The two Redis deployments section 5 compares, behind one shape: the run's standalone
 * server (1 master) and a 3-master Redis Cluster. Each says how a service reaches it,
 * gives a client for keyed commands, its masters (for `INFO cpu`) and which master
 * holds which of the keys the order flow writes.
 */
import { streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import type { RedisCluster } from "@retail/testing";
import { redisInfo } from "@retail/testing/bench-report";
import { type Cluster, Redis } from "ioredis";

export interface Master {
  /** `host:port`, as the node announces itself. */
  name: string;
  /** A connection to this node alone (INFO, CLUSTER). */
  probe: Redis;
}

export interface Deployment {
  label: string;
  /** What a service reads its Redis from (`REDIS_URL`, and `REDIS_CLUSTER_NODES` on a cluster). */
  env: Record<string, string>;
  /** A `redis://` URL or the cluster's `host:port,…`: where this process reads streams. */
  address: string;
  masters: Master[];
  /** Keyed commands for any slot. */
  admin: Redis | Cluster;
  /** An empty deployment for the next run (no service may be running). */
  flush(): Promise<void>;
  /** Close this process's connections; the containers are disposed by their owner. */
  close(): void;
}

function probeOf(name: string): Master {
  const [host = "", port = "6379"] = name.split(":");
  const probe = new Redis({ host, port: Number(port), maxRetriesPerRequest: 2 });
  probe.on("error", () => {});
  return { name, probe };
}

/** The run's standalone server at `url` (its bridge address). */
export function standaloneDeployment(url: string): Deployment {
  const master = probeOf(new URL(url).host);
  return {
    label: "standalone, 1 master",
    env: { REDIS_URL: url },
    address: url,
    masters: [master],
    admin: master.probe,
    flush: async () => {
      await master.probe.flushall();
    },
    close: () => master.probe.disconnect(),
  };
}

/** A cluster of @retail/testing: services get its nodes as seeds, as in production. */
export async function clusterDeployment(cluster: RedisCluster): Promise<Deployment> {
  const nodes = cluster.nodes.map(({ host, port }) => `${host}:${port}`);
  const masters = (await cluster.masters()).map(({ host, port }) => probeOf(`${host}:${port}`));
  const admin = cluster.client({ redisOptions: { maxRetriesPerRequest: null } });
  return {
    label: `cluster, ${masters.length} masters`,
    env: { REDIS_URL: `redis://${nodes[0]}`, REDIS_CLUSTER_NODES: nodes.join(",") },
    address: nodes.join(","),
    masters,
    admin,
    flush: () => cluster.flushAll(),
    close: () => {
      admin.disconnect();
      for (const master of masters) master.probe.disconnect();
    },
  };
}

/** CPU seconds (user + sys) each master has used so far, in `masters` order. */
export async function redisCpuSeconds(masters: readonly Master[]): Promise<number[]> {
  return Promise.all(
    masters.map(async ({ probe }) => {
      const cpu = await redisInfo(probe, "cpu");
      return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
    }),
  );
}

/**
 * The keys the order flow writes, by the slot they live in: the two services' own
 * (state, outbox, processed marks share the `{service}` tag) and the partition streams
 * of the topics between them.
 */
export function flowKeys(): { label: string; key: string }[] {
  const streams = (["order.placed", "shipment.created"] as const).flatMap((topic) =>
    Array.from({ length: partitionsOf(catalog[topic]) }, (_, partition) => ({
      label: `${topic}:${partition}`,
      key: streamKey(topic, partition),
    })),
  );
  return [
    { label: "{inventory}", key: "{inventory}" },
    { label: "{shipping}", key: "{shipping}" },
    ...streams,
  ];
}

/** Which of {@link flowKeys} each master holds, by master name (all on a standalone). */
export async function placement(deployment: Deployment): Promise<Map<string, string[]>> {
  const held = new Map(deployment.masters.map((master) => [master.name, [] as string[]]));
  const [first] = deployment.masters;
  if (!first) return held;
  if (deployment.masters.length === 1) {
    held.set(
      first.name,
      flowKeys().map(({ label }) => label),
    );
    return held;
  }
  const ranges = await first.probe.cluster("SLOTS");
  for (const { label, key } of flowKeys()) {
    const slot = Number(await first.probe.cluster("KEYSLOT", key));
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
    held.get(`${owner?.[0]}:${owner?.[1]}`)?.push(label);
  }
  return held;
}

/** Entries in `topic`'s partition streams (no consumer trims them during a run). */
export async function topicLength(
  admin: Redis | Cluster,
  topic: keyof typeof catalog,
): Promise<number> {
  const lengths = await Promise.all(
    Array.from({ length: partitionsOf(catalog[topic]) }, (_, partition) =>
      admin.xlen(streamKey(topic, partition)),
    ),
  );
  return lengths.reduce((sum, length) => sum + length, 0);
}
