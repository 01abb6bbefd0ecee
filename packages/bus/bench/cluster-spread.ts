/**
 * 2. The same bus workload on 1 master and on a cluster's masters: publish `bench.spread`
 * events in windows, then drain them (consume + ack, processed marks on) through one
 * consumer bus. Around each phase it reads every master's CPU (`INFO cpu`) and the VM's,
 * and after the drain where the partition streams, their entries and the group's
 * processed marks live.
 */
import { createBus, processedKey, streamKey } from "@retail/bus";
import { clusterCatalog, SPREAD_GROUP } from "./cluster-catalog.js";
import { clusterConfig } from "./cluster-config.js";
import { publishRun, until, type Windowed } from "./cluster-measure.js";
import {
  busyShare,
  cpuDelta,
  type Deployment,
  type MasterNode,
  machineTicks,
  redisCpu,
} from "./cluster-nodes.js";
import { rate, silentLogger } from "./lib.js";

/** One phase (publish or drain) of one round on one deployment. */
export interface Phase {
  perSecond: number;
  /** This process's CPU per event, µs. */
  clientCpuUs: number;
  /** Redis CPU seconds (user + sys) per master, by name. */
  redisCpu: Map<string, number>;
  /** Share of the VM's two cores busy meanwhile (everything: Redis, this process, the rest). */
  busy: number;
  complete: boolean;
}

/** Where things live after a round: per master. */
export interface MasterShare {
  name: string;
  streams: number;
  entries: number;
  keys: number;
  /** Holds the drain group's processed marks (one slot: the group's). */
  marks: boolean;
}

export interface SpreadRound {
  deployment: string;
  round: number;
  publish: Phase;
  drain: Phase;
  shares: MasterShare[];
}

/** No drain lasts longer than this, whatever its size. */
const DRAIN_LIMIT_MS = 180_000;

async function measured<T extends { perSecond: number; complete: boolean; count: number }>(
  masters: readonly MasterNode[],
  work: () => Promise<T>,
): Promise<Phase> {
  const [redisBefore, ticksBefore] = await Promise.all([redisCpu(masters), machineTicks()]);
  const cpu = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(cpu);
  const [redisAfter, ticksAfter] = await Promise.all([redisCpu(masters), machineTicks()]);
  return {
    perSecond: result.perSecond,
    clientCpuUs: (used.user + used.system) / Math.max(1, result.count),
    redisCpu: cpuDelta(redisBefore, redisAfter),
    busy: busyShare(ticksBefore, ticksAfter),
    complete: result.complete,
  };
}

async function pending(deployment: Deployment): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: clusterConfig.partitions }, async (_, partition) => {
      const summary = (await deployment.admin.xpending(
        streamKey("bench.spread", partition),
        SPREAD_GROUP,
      )) as [number, ...unknown[]];
      return Number(summary[0]);
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Drain the topic's `count` entries through one bus; handled and acknowledged. */
async function drain(deployment: Deployment, count: number) {
  const connection = deployment.busConnection();
  const bus = createBus({
    service: SPREAD_GROUP,
    catalog: clusterCatalog,
    redis: connection,
    logger: silentLogger,
  });
  let handled = 0;
  bus.subscribe(
    "bench.spread",
    () => {
      handled++;
    },
    { concurrency: clusterConfig.spreadConcurrency, startFrom: "beginning" },
  );
  const started = performance.now();
  try {
    await bus.start();
    let complete = await until(() => handled >= count, DRAIN_LIMIT_MS, 2);
    if (complete) complete = await until(async () => (await pending(deployment)) === 0, 30_000);
    return {
      perSecond: rate(Math.min(handled, count), performance.now() - started),
      complete,
      count,
    };
  } finally {
    await bus.close();
    deployment.release(connection);
  }
}

async function sharesOf(deployment: Deployment): Promise<MasterShare[]> {
  const shares = new Map<string, MasterShare>(
    deployment.masters.map((master) => [
      master.name,
      { name: master.name, streams: 0, entries: 0, keys: 0, marks: false },
    ]),
  );
  for (let partition = 0; partition < clusterConfig.partitions; partition++) {
    const key = streamKey("bench.spread", partition);
    const master = await deployment.masterOf(key);
    const share = shares.get(master.name) as MasterShare;
    share.streams++;
    share.entries += await deployment.admin.xlen(key);
  }
  const marks = await deployment.masterOf(processedKey(SPREAD_GROUP));
  (shares.get(marks.name) as MasterShare).marks = true;
  for (const master of deployment.masters)
    (shares.get(master.name) as MasterShare).keys = await master.probe.dbsize();
  return [...shares.values()];
}

async function round(deployment: Deployment, index: number, events: number): Promise<SpreadRound> {
  await deployment.flush();
  const publish = await measured(deployment.masters, async () => {
    // Kept: the drain reads what this published.
    const result: Windowed = await publishRun(
      deployment,
      "bench.spread",
      events,
      clusterConfig.window,
      { keep: true },
    );
    return { ...result, complete: result.failed === 0, count: events };
  });
  const drained = await measured(deployment.masters, () => drain(deployment, events));
  const shares = await sharesOf(deployment);
  await deployment.flush();
  return { deployment: deployment.label, round: index, publish, drain: drained, shares };
}

export async function benchSpread(deployments: readonly Deployment[]): Promise<SpreadRound[]> {
  const rounds: SpreadRound[] = [];
  const { spreadEvents, spreadRounds } = clusterConfig;
  // Warm-up on each: connections, JIT, consumer groups.
  for (const deployment of deployments) await round(deployment, -1, Math.min(5_000, spreadEvents));
  for (let index = 0; index < spreadRounds; index++) {
    // Alternate who goes first, so neither always gets the quieter minute.
    const order = index % 2 === 0 ? deployments : [...deployments].reverse();
    for (const deployment of order) rounds.push(await round(deployment, index, spreadEvents));
  }
  return rounds;
}
