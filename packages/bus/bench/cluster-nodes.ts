/**
 * The Redis deployments the cluster benchmark compares, behind one shape: a standalone
 * server (1 master) and Redis Clusters from @retail/testing. Each gives a bus its
 * connection, an admin client, its masters (for `INFO cpu` and `docker exec`), and
 * where a key lives.
 */
import { readFile } from "node:fs/promises";
import type { RedisClient, RedisConnection } from "@retail/bus";
import type { RedisCluster, RedisServer } from "@retail/testing";
import { benchRoute } from "@retail/testing/bench-route";
import { Redis } from "ioredis";
import { redisInfo } from "./lib.js";

/** A master, reachable from this process at its Docker bridge address. */
export interface MasterNode {
  /** `host:port`, as a cluster announces it. */
  name: string;
  host: string;
  port: number;
  containerId: string;
  /** A plain connection to this node alone (INFO, DBSIZE, KEYSLOT). */
  probe: Redis;
}

export interface Deployment {
  label: string;
  masters: MasterNode[];
  /** What a bus is given: a URL (the bus opens its own connection) or a Cluster client. */
  busConnection(): RedisConnection;
  /** Give back what {@link busConnection} made, once its bus is closed. */
  release(connection: RedisConnection): void;
  /** Keyed commands for any slot. */
  admin: RedisClient;
  /** An empty deployment for the next run. */
  flush(): Promise<void>;
  /** The master holding `key`. */
  masterOf(key: string): Promise<MasterNode>;
  /** Close this process's connections (the containers are disposed by their owner). */
  close(): void;
}

function probeOf(host: string, port: number): Redis {
  const probe = new Redis({ host, port, lazyConnect: false, maxRetriesPerRequest: 2 });
  probe.on("error", () => {});
  return probe;
}

/** A standalone server, reached at its bridge address (no docker-proxy on the path). */
export async function standaloneDeployment(
  server: RedisServer,
): Promise<Deployment & { route: string }> {
  const { url, route } = await benchRoute(server);
  const { hostname, port } = new URL(url);
  const admin = new Redis(url, { maxRetriesPerRequest: null });
  const master: MasterNode = {
    name: `${hostname}:${port}`,
    host: hostname,
    port: Number(port),
    containerId: server.containerId,
    probe: probeOf(hostname, Number(port)),
  };
  return {
    label: "standalone, 1 master",
    route,
    masters: [master],
    busConnection: () => url,
    release: () => {},
    admin,
    flush: async () => {
      await admin.flushall();
    },
    masterOf: async () => master,
    close: () => {
      admin.disconnect();
      master.probe.disconnect();
    },
  };
}

/** A Redis Cluster: its masters as `ROLE` reports them now, slots from `CLUSTER SLOTS`. */
export async function clusterDeployment(cluster: RedisCluster, label: string): Promise<Deployment> {
  const nodes = await cluster.masters();
  const masters: MasterNode[] = nodes.map((node) => ({
    name: `${node.host}:${node.port}`,
    host: node.host,
    port: node.port,
    containerId: node.containerId,
    probe: probeOf(node.host, node.port),
  }));
  const first = masters[0];
  if (!first) throw new Error("the cluster reports no master");
  const ranges = await first.probe.cluster("SLOTS");
  const owners = ranges.map(([from, to, owner]) => ({
    from,
    to,
    name: `${owner?.[0]}:${owner?.[1]}`,
  }));
  const admin = cluster.client({ redisOptions: { maxRetriesPerRequest: null } });
  return {
    label,
    masters,
    // As a service connects on a cluster: auto-pipelined, waiting out a reconnect.
    busConnection: () =>
      cluster.client({ enableAutoPipelining: true, redisOptions: { maxRetriesPerRequest: null } }),
    release: (connection) => {
      if (typeof connection === "object" && "disconnect" in connection) connection.disconnect();
    },
    admin,
    flush: () => cluster.flushAll(),
    masterOf: async (key) => {
      const slot = Number(await first.probe.cluster("KEYSLOT", key));
      const owner = owners.find((range) => slot >= range.from && slot <= range.to);
      const master = masters.find((node) => node.name === owner?.name);
      if (!master) throw new Error(`no master serves slot ${slot} (${key})`);
      return master;
    },
    close: () => {
      admin.disconnect();
      for (const master of masters) master.probe.disconnect();
    },
  };
}

/** CPU seconds (user + sys) each master has used so far, by node name. */
export async function redisCpu(masters: readonly MasterNode[]): Promise<Map<string, number>> {
  const seconds = await Promise.all(
    masters.map(async (master) => {
      const cpu = await redisInfo(master.probe, "cpu");
      return Number(cpu.used_cpu_user ?? 0) + Number(cpu.used_cpu_sys ?? 0);
    }),
  );
  return new Map(masters.map((master, index) => [master.name, seconds[index] as number]));
}

/** CPU seconds each master used between two readings of {@link redisCpu}. */
export function cpuDelta(from: Map<string, number>, to: Map<string, number>): Map<string, number> {
  return new Map([...to].map(([name, seconds]) => [name, seconds - (from.get(name) ?? 0)]));
}

/** The machine's CPU counters (`/proc/stat`): ticks in all, and ticks busy (not idle or iowait). */
export interface MachineTicks {
  total: number;
  busy: number;
}

export async function machineTicks(): Promise<MachineTicks | undefined> {
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    return { total, busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0) };
  } catch {
    return undefined;
  }
}

/** How busy the whole VM was between two readings: 1 means every core, all the time. */
export function busyShare(from: MachineTicks | undefined, to: MachineTicks | undefined): number {
  if (!from || !to || to.total <= from.total) return Number.NaN;
  return (to.busy - from.busy) / (to.total - from.total);
}
