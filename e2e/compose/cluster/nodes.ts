// The Redis Cluster of docker-compose.cluster.yml as the test sees it from the host:
// each node at its container's address on the compose network (the host reaches it
// there), as the admin or as one of the demo's users, alone or as a whole cluster.

import { streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import { Cluster, Redis } from "ioredis";
import { compose, docker } from "../stack.js";

/** The nodes' compose services; each announces its service name as its hostname. */
export const NODE_SERVICES = ["redis", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6"];

const ADMIN = {
  username: "default",
  password: process.env.REDIS_ADMIN_PASSWORD ?? "demo-admin-password",
};

/** A line of `CLUSTER NODES`, as far as the tests read it. */
export interface ClusterNode {
  id: string;
  /** The announced hostname: the node's compose service. */
  hostname: string;
  flags: readonly string[];
  /** The id of the master a replica follows; undefined for a master. */
  masterId: string | undefined;
  /** Whether the cluster bus link to the node is up. */
  connected: boolean;
  /** Slot ranges, as `CLUSTER NODES` writes them (`0-5460`). */
  slots: readonly string[];
}

/**
 * Each running node's address on the compose network, by service, in two docker
 * calls for all. Docker may give a restarted container another address: read them
 * again after a restart.
 */
export async function nodeAddresses(): Promise<Map<string, string>> {
  const containers = (await compose("ps", "-q")).split("\n").filter(Boolean);
  const lines = await docker(
    "inspect",
    "-f",
    '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Running}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
    ...containers,
  );
  const found = new Map<string, string>();
  for (const line of lines.split("\n")) {
    const [service, running, ip] = line.split(" ");
    if (service && running === "true" && ip) found.set(service, ip);
  }
  // in NODE_SERVICES' order
  const running = NODE_SERVICES.filter((service) => found.has(service));
  return new Map(running.map((service) => [service, found.get(service) as string]));
}

/** `work` on one node alone, as the admin (or `user`), over a connection closed after it. */
export async function atNode<T>(
  address: string,
  work: (redis: Redis) => Promise<T>,
  user = ADMIN,
): Promise<T> {
  const redis = new Redis({ host: address, port: 6379, ...user, maxRetriesPerRequest: 1 });
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** The cluster as the node at `address` sees it (`CLUSTER NODES`). */
export async function clusterNodes(address: string): Promise<ClusterNode[]> {
  const text = await atNode(address, (redis) => redis.call("CLUSTER", "NODES") as Promise<string>);
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id, endpoint, flags, master, , , , link, ...slots] = line.trim().split(" ");
      return {
        id: id as string,
        hostname: endpoint?.split(",")[1] ?? "",
        flags: (flags ?? "").split(","),
        masterId: master === "-" ? undefined : master,
        connected: link === "connected",
        slots,
      };
    });
}

/**
 * Every topic's partition streams and the master serving each (`host:port` as the
 * cluster announces it), as the node at `address` says: CLUSTER SLOTS and CLUSTER KEYSLOT.
 */
export async function partitionMasters(address: string): Promise<Map<string, string>> {
  return atNode(address, async (redis) => {
    const ranges = await redis.cluster("SLOTS");
    const masters = new Map<string, string>();
    for (const topic of Object.values(catalog)) {
      for (let partition = 0; partition < partitionsOf(topic); partition += 1) {
        const stream = streamKey(topic.name, partition);
        const slot = Number(await redis.cluster("KEYSLOT", stream));
        const [host, port] = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2] ?? [];
        masters.set(stream, `${host}:${port}`);
      }
    }
    return masters;
  });
}

/** A master that is up and serves slots. */
export const isLiveMaster = (node: ClusterNode) =>
  node.flags.includes("master") && !node.flags.some((flag) => flag.startsWith("fail"));

/** The `name:value` fields of an INFO-style reply (INFO, CLUSTER INFO). */
export function fields(text: string): Map<string, string> {
  return new Map(
    text
      .split("\r\n")
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
  );
}

/**
 * An ioredis Cluster from the host, as the admin or the given user, as the services
 * connect. The nodes announce their compose service names, which only the containers
 * resolve: each is mapped to the container's address (read now: make a new client
 * after a node was restarted).
 */
export async function clusterClient(
  user: { username: string; password: string } = ADMIN,
): Promise<Cluster> {
  const addresses = await nodeAddresses();
  const natMap = (key: string) => {
    const [host, port] = key.split(":");
    const ip = addresses.get(host ?? "");
    return ip === undefined ? null : { host: ip, port: Number(port) };
  };
  const seeds = [...addresses.values()].map((host) => ({ host, port: 6379 }));
  return new Cluster(seeds, { natMap, redisOptions: user });
}

/** {@link clusterClient} as the admin: what the checks read the cluster with. */
export const adminCluster = () => clusterClient();
