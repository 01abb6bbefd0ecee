// The Redis Cluster of docker-compose.cluster.yml as the test sees it: each node
// through redis-cli in its own container (as the admin: REDISCLI_AUTH is in its
// environment), and the whole cluster through an ioredis Cluster from the host.

import { Cluster } from "ioredis";
import { containersOf, docker } from "../stack.js";

/** The nodes' compose services; each announces its service name as its hostname. */
export const NODE_SERVICES = ["redis", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6"];

export const ADMIN_PASSWORD = process.env.REDIS_ADMIN_PASSWORD ?? "demo-admin-password";

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

/** `redis-cli <args>` in the node's container, as the admin; its output. */
export async function redisCli(service: string, ...args: string[]): Promise<string> {
  const [container] = await containersOf(service);
  if (!container) throw new Error(`no container for ${service}`);
  return docker("exec", container, "redis-cli", "--no-auth-warning", ...args);
}

/** The cluster as `service` sees it (`CLUSTER NODES`). */
export async function clusterNodes(service: string): Promise<ClusterNode[]> {
  return (await redisCli(service, "CLUSTER", "NODES"))
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, master, , , , link, ...slots] = line.trim().split(" ");
      return {
        id: id as string,
        hostname: address?.split(",")[1] ?? "",
        flags: (flags ?? "").split(","),
        masterId: master === "-" ? undefined : master,
        connected: link === "connected",
        slots,
      };
    });
}

/** A master that is up and serves slots. */
export const isLiveMaster = (node: ClusterNode) =>
  node.flags.includes("master") && !node.flags.some((flag) => flag.startsWith("fail"));

/** One field of an INFO section or of CLUSTER INFO (`role`, `cluster_state`, …) on a node. */
export async function infoField(service: string, field: string, ...command: string[]) {
  const text = await redisCli(service, ...(command.length > 0 ? command : ["INFO"]));
  return new RegExp(`^${field}:(.*)$`, "m").exec(text)?.[1]?.trim();
}

/**
 * Each node's address on the compose network, by service: the host reaches it there.
 * Docker may give a restarted container another one: read them again after a restart.
 */
export async function nodeAddresses(): Promise<Map<string, string>> {
  const addresses = new Map<string, string>();
  for (const service of NODE_SERVICES) {
    const [container] = await containersOf(service);
    if (!container) continue;
    const ip = await docker(
      "inspect",
      "-f",
      "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
      container,
    );
    if (ip) addresses.set(service, ip);
  }
  return addresses;
}

/**
 * An ioredis Cluster from the host, as the admin or the given user, as the services
 * connect. The nodes announce their compose service names, which only the containers
 * resolve: each is mapped to the container's address (read now: make a new client after
 * a node was restarted).
 */
export async function clusterClient(
  user: { username: string; password: string } = { username: "default", password: ADMIN_PASSWORD },
): Promise<Cluster> {
  const addresses = await nodeAddresses();
  const natMap = (key: string) => {
    const [host, port] = key.split(":");
    const ip = addresses.get(host ?? "");
    return ip === undefined ? null : { host: ip, port: Number(port) };
  };
  return new Cluster([{ host: addresses.get("redis") ?? "", port: 6379 }], {
    natMap,
    redisOptions: user,
  });
}

/** {@link clusterClient} as the admin: what the checks read the cluster with. */
export const adminCluster = () => clusterClient();
