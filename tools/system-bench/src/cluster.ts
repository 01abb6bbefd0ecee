/**
 * 5. 1 master vs 3 masters through the services: in paired rounds (the deployment that
 * goes first alternates), each deployment runs
 * - `POST /orders` throughput of a real inventory process under autocannon (section 1's
 *   run), then waits for its outbox relay to append every accepted order's
 *   `order.placed`;
 * - order → shipment.created latency at one moderate rate with inventory and shipping
 *   (section 2's run), `shipment.created` read on the deployment itself.
 * Around each measured window: every master's `INFO cpu`, and the VM's `/proc/stat`.
 */
import { readFile } from "node:fs/promises";
import { pollUntil, type RedisCluster } from "@retail/testing";
import type { BenchConfig } from "./config.js";
import {
  clusterDeployment,
  type Deployment,
  placement,
  redisCpuSeconds,
  standaloneDeployment,
  topicLength,
} from "./deployments.js";
import { benchOrders, type HttpRow } from "./http.js";
import { type LatencyRow, latencyLine, runRate, withOrderServices } from "./latency.js";

/** What one measured window cost. */
export interface PhaseCpu {
  /** CPU seconds each master used, in the deployment's `masters` order. */
  redis: number[];
  /** How busy the whole VM was: 1 means every core, all the time. */
  vmBusy: number;
  /** The window's wall-clock length. */
  seconds: number;
}

export interface ClusterRun {
  deployment: string;
  round: number;
  orders: HttpRow;
  ordersCpu: PhaseCpu;
  /** Orders accepted whose `order.placed` was not in its stream 15 s after the run. */
  notRelayed: number;
  latency: LatencyRow;
  latencyCpu: PhaseCpu;
}

export interface MasterPlacement {
  deployment: string;
  master: string;
  /** The order flow's slots this master serves (see `flowKeys`). */
  holds: string[];
}

export interface ClusterResult {
  /** The latency runs' rate, orders/s. */
  rate: number;
  /** Deployment labels, the baseline (standalone) first. */
  deployments: string[];
  runs: ClusterRun[];
  masters: MasterPlacement[];
}

/** How long the relay gets to append the accepted orders' events after a throughput run. */
const RELAY_DRAIN_MS = 15_000;

/** The pair in round `round` (from 1): as given in odd rounds, swapped in even ones. */
export function pairOrder<T>(round: number, pair: readonly [T, T]): [T, T] {
  return round % 2 === 1 ? [pair[0], pair[1]] : [pair[1], pair[0]];
}

interface VmTicks {
  total: number;
  idle: number;
}

async function vmTicks(): Promise<VmTicks> {
  const [line = ""] = (await readFile("/proc/stat", "utf8")).split("\n");
  // user nice system idle iowait irq softirq steal (guest time is inside user already)
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return {
    total: ticks.reduce((sum, value) => sum + value, 0),
    idle: (ticks[3] ?? 0) + (ticks[4] ?? 0),
  };
}

/** Run `work`, and say what it cost every master of `deployment` and the VM. */
async function withCpu<T>(deployment: Deployment, work: () => Promise<T>): Promise<[T, PhaseCpu]> {
  const [redisBefore, vmBefore] = await Promise.all([
    redisCpuSeconds(deployment.masters),
    vmTicks(),
  ]);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1_000;
  const [redisAfter, vmAfter] = await Promise.all([redisCpuSeconds(deployment.masters), vmTicks()]);
  const ticks = vmAfter.total - vmBefore.total;
  return [
    result,
    {
      redis: redisAfter.map((seconds, index) => seconds - (redisBefore[index] ?? 0)),
      vmBusy: ticks > 0 ? 1 - (vmAfter.idle - vmBefore.idle) / ticks : Number.NaN,
      seconds,
    },
  ];
}

/** Accepted orders whose `order.placed` the relay had not appended within the drain time. */
async function notRelayed(deployment: Deployment, accepted: number): Promise<number> {
  let length = 0;
  await pollUntil(
    "every accepted order's order.placed in its stream",
    async () => {
      length = await topicLength(deployment.admin, "order.placed");
      return length >= accepted ? true : undefined;
    },
    { timeoutMs: RELAY_DRAIN_MS, intervalMs: 100 },
  ).catch(() => undefined);
  return Math.max(0, accepted - length);
}

async function runDeployment(
  deployment: Deployment,
  round: number,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<ClusterRun> {
  const label = `${deployment.label}, round ${round}`;
  await deployment.flush();
  let ordersCpu: PhaseCpu = { redis: [], vmBusy: Number.NaN, seconds: Number.NaN };
  let lostInRelay = 0;
  const orders = await benchOrders(deployment.env, config, log, {
    label: `${label}, POST /orders`,
    around: async (window) => {
      const [result, cpu] = await withCpu(deployment, window);
      ordersCpu = cpu;
      return result;
    },
    afterwards: async (row) => {
      lostInRelay = await notRelayed(deployment, row.accepted);
    },
  });
  await deployment.flush();
  const run = {
    rate: config.clusterRate,
    seconds: config.clusterLatencySeconds,
    sockets: config.latencySockets,
  };
  const [latency, latencyCpu] = await withOrderServices(deployment.env, (inventoryUrl) =>
    withCpu(deployment, () => runRate(inventoryUrl, deployment.address, run)),
  );
  log(latencyLine(`${label}, ${run.rate}/s`, latency));
  return {
    deployment: deployment.label,
    round,
    orders,
    ordersCpu,
    notRelayed: lostInRelay,
    latency,
    latencyCpu,
  };
}

/**
 * Both deployments in `config.clusterRounds` paired rounds; `pair[0]` is the baseline.
 * Each deployment is flushed before each of its runs; no service outlives its run.
 */
export async function benchCluster(
  pair: readonly [Deployment, Deployment],
  config: BenchConfig,
  log: (line: string) => void,
): Promise<ClusterResult> {
  const masters: MasterPlacement[] = [];
  for (const deployment of pair) {
    for (const [master, holds] of await placement(deployment))
      masters.push({ deployment: deployment.label, master, holds });
    // Both must persist alike for the comparison to be about the deployment alone.
    const aof = await Promise.all(
      deployment.masters.map(({ probe }) => probe.config("GET", "append*")),
    );
    log(`  ${deployment.label}: ${aof.map((pairs) => pairs.join(" ")).join("; ")}`);
  }
  const runs: ClusterRun[] = [];
  for (let round = 1; round <= config.clusterRounds; round++)
    for (const deployment of pairOrder(round, pair))
      runs.push(await runDeployment(deployment, round, config, log));
  return {
    rate: config.clusterRate,
    deployments: pair.map((deployment) => deployment.label),
    runs,
    masters,
  };
}

/** Section 5 on the run's standalone server (at `standaloneUrl`) and on `cluster`. */
export async function benchClusterSection(
  standaloneUrl: string,
  cluster: RedisCluster,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<ClusterResult> {
  const standalone = standaloneDeployment(standaloneUrl);
  try {
    const masters = await clusterDeployment(cluster);
    try {
      return await benchCluster([standalone, masters], config, log);
    } finally {
      masters.close();
    }
  } finally {
    standalone.close();
  }
}
