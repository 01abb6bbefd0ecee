/** The machine the figures come from, for the top of the report. */
import { loadavg } from "node:os";
import { type MachineFacts, machineFacts } from "@retail/testing/bench-report";
import type { Redis } from "ioredis";
import type { Persistence } from "./config.js";
import { formatLoad } from "./lib.js";

export interface Machine extends Omit<MachineFacts, "redisVersion"> {
  /** The version, and how this run's server persists. */
  redis: string;
  route: string;
  loadAtStart: string;
}

const PERSISTENCE_LABEL: Record<Persistence, string> = {
  everysec: "AOF, appendfsync everysec (as infra/redis/redis.conf)",
  always: "AOF, appendfsync always",
  none: "none",
};

export async function machine(
  redis: Redis,
  persistence: Persistence,
  route: string,
): Promise<Machine> {
  const { redisVersion, ...host } = await machineFacts(redis);
  return {
    ...host,
    redis: `${redisVersion} (redis:7-bookworm container; persistence ${PERSISTENCE_LABEL[persistence]})`,
    route,
    loadAtStart: formatLoad(loadavg()),
  };
}

export function machineRows(host: Machine, loadAtEnd: string): string[][] {
  return [
    ["machine", ""],
    ["CPU", `${host.cpu}, ${host.cores} cores, shared by the load generator, services and Redis`],
    ["memory", host.memory],
    ["Node.js", host.node],
    ["Redis", host.redis],
    ["route to Redis", host.route],
    ["load average (1/5/15 min)", `${host.loadAtStart} at start, ${loadAtEnd} at end`],
  ];
}
