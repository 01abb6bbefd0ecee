/**
 * The cluster benchmark's runs of one bus against one deployment: publishes or commits
 * in windows (throughput), commits at a fixed rate (latency), and the time until the
 * relay has moved every committed event into the topic's partition streams.
 */
import { createBus, type RelayOptions, streamKey } from "@retail/bus";
import { partitionsOf } from "@retail/contracts";
import { benchPayload } from "./catalog.js";
import { type ClusterCatalog, clusterCatalog, commitEvent } from "./cluster-catalog.js";
import type { Deployment } from "./cluster-nodes.js";
import { percentile, rate, silentLogger, sleep } from "./lib.js";

export type Topic = keyof ClusterCatalog & string;

/** One windowed run. */
export interface Windowed {
  /** Calls confirmed per second (wall clock). */
  perSecond: number;
  /** CPU of this (the client) process per call, µs. */
  cpuUs: number;
  failed: number;
}

/** Issue `count` calls, `window` at a time, each window awaited whole. */
export async function windowed(
  count: number,
  window: number,
  call: (seq: number) => Promise<unknown>,
): Promise<Windowed> {
  let failed = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let from = 0; from < count; from += window) {
    const calls: Promise<unknown>[] = [];
    for (let seq = from; seq < Math.min(count, from + window); seq++)
      calls.push(
        call(seq).catch(() => {
          failed++;
        }),
      );
    await Promise.all(calls);
  }
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: rate(count - failed, elapsed),
    cpuUs: (used.user + used.system) / count,
    failed,
  };
}

/** Confirmation times (ms) of calls issued at a fixed rate: sorted, and how many failed. */
export interface FixedRate {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  failed: number;
}

/** Issue `perSecond` calls a second for `seconds`, then wait for the last ones. */
export async function fixedRate(
  perSecond: number,
  seconds: number,
  call: (seq: number) => Promise<unknown>,
): Promise<FixedRate> {
  const total = Math.round(perSecond * seconds);
  const confirmed: number[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let failed = 0;
  let sent = 0;
  const started = performance.now();
  // Bounded: a machine that cannot keep up stops at 3× the planned time.
  const limit = started + 3_000 * seconds + 5_000;
  while (sent < total && performance.now() < limit) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * perSecond) / 1_000));
    while (sent < due) {
      const stamp = performance.now();
      const pending = call(sent++).then(
        () => {
          confirmed.push(performance.now() - stamp);
        },
        () => {
          failed++;
        },
      );
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  const sorted = Float64Array.from(confirmed).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    sent,
    failed,
  };
}

/** A bus of the publishing service ("bench") on `deployment`, and how to let it go. */
export function benchBus(deployment: Deployment, outbox?: RelayOptions) {
  const connection = deployment.busConnection();
  const bus = createBus({
    service: "bench",
    catalog: clusterCatalog,
    redis: connection,
    logger: silentLogger,
    ...(outbox ? { outbox } : {}),
  });
  return {
    bus,
    async close() {
      await bus.close();
      deployment.release(connection);
    },
  };
}

/** Entries in every partition stream of `topic`. */
export async function topicLength(deployment: Deployment, topic: Topic): Promise<number> {
  const partitions = partitionsOf(clusterCatalog[topic]);
  const lengths = await Promise.all(
    Array.from({ length: partitions }, (_, partition) =>
      deployment.admin.xlen(streamKey(topic, partition)),
    ),
  );
  return lengths.reduce((sum, length) => sum + length, 0);
}

/** Resolves once `done()` holds, polling; false when `timeoutMs` passed first. */
export async function until(
  done: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 5,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** A windowed publish run on a fresh bus, then an empty deployment (unless `keep`). */
export async function publishRun(
  deployment: Deployment,
  topic: Topic,
  count: number,
  window: number,
  { keep = false } = {},
): Promise<Windowed> {
  const { bus, close } = benchBus(deployment);
  try {
    return await windowed(count, window, (seq) => bus.publish(topic, benchPayload(seq)));
  } finally {
    await close();
    if (!keep) await deployment.flush();
  }
}

export interface CommitRun extends Windowed {
  /** Committed events per second until the relay had moved the last one. */
  relayedPerSecond: number;
  /** False when the relay had not moved them all within the time limit. */
  relayed: boolean;
}

/** No relay wait lasts longer than this, whatever the run's size. */
const RELAY_LIMIT_MS = 120_000;

/** A windowed commit run on a fresh bus, timed to confirmation and to relayed, then an empty deployment. */
export async function commitRun(
  deployment: Deployment,
  topic: Topic,
  count: number,
  window: number,
  outbox?: RelayOptions,
): Promise<CommitRun> {
  const { bus, close } = benchBus(deployment, outbox);
  try {
    const started = performance.now();
    const confirmed = await windowed(count, window, (seq) =>
      commitEvent(bus, topic, benchPayload(seq)),
    );
    const expected = count - confirmed.failed;
    const relayed = await until(
      async () => (await topicLength(deployment, topic)) >= expected,
      RELAY_LIMIT_MS,
      10,
    );
    return {
      ...confirmed,
      relayedPerSecond: rate(expected, performance.now() - started),
      relayed,
    };
  } finally {
    await close();
    await deployment.flush();
  }
}

/** Commits at a fixed rate on a fresh bus, each timed to its confirmation; then an empty deployment. */
export async function commitLatencyRun(
  deployment: Deployment,
  topic: Topic,
  perSecond: number,
  seconds: number,
  outbox?: RelayOptions,
): Promise<FixedRate> {
  const { bus, close } = benchBus(deployment, outbox);
  try {
    // Connections, the script's load and the relay's lease before the clock starts.
    await commitEvent(bus, topic, benchPayload(0));
    return await fixedRate(perSecond, seconds, (seq) => commitEvent(bus, topic, benchPayload(seq)));
  } finally {
    await close();
    await deployment.flush();
  }
}
