/**
 * 1. Publish throughput: the bus's `publish` vs raw auto-pipelined `XADD` of the same
 * fields vs BullMQ's `queue.add` (and `addBulk`), each in windows of concurrent calls.
 */

import { createBus } from "@retail/bus";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { benchCatalog, benchPayload } from "./catalog.js";
import { config } from "./config.js";
import { median, rate, silentLogger } from "./lib.js";
import { rawXaddArgs } from "./raw.js";

/** One contender's figures: the median of its rounds. */
export interface Throughput {
  /** Events per second (wall clock). */
  perSecond: number;
  /** CPU of this (the client) process per event, µs: user + system. */
  cpuUs: number;
  rounds: number[];
}

export interface PublishResult {
  /** Each round's bus events/s divided by the raw loop's in the same round. */
  busToRaw: number[];
  bus: Throughput;
  raw: Throughput;
  bullmq: Throughput;
  bullmqBulk: Throughput;
}

interface Round {
  perSecond: number;
  cpuUs: number;
}

/** Time `count` events: `send(from, to)` issues events [from, to) and resolves when all are stored. */
async function timed(
  count: number,
  window: number,
  send: (from: number, to: number) => Promise<unknown>,
): Promise<Round> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let from = 0; from < count; from += window) await send(from, Math.min(count, from + window));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { perSecond: rate(count, elapsed), cpuUs: (used.user + used.system) / count };
}

/** Issue one call per event of [from, to) at once, and wait for all of them. */
function concurrently(publish: (seq: number) => Promise<unknown>) {
  return (from: number, to: number) => {
    const calls: Promise<unknown>[] = [];
    for (let seq = from; seq < to; seq++) calls.push(publish(seq));
    return Promise.all(calls);
  };
}

function summary(rounds: Round[]): Throughput {
  return {
    perSecond: median(rounds.map((round) => round.perSecond)),
    cpuUs: median(rounds.map((round) => round.cpuUs)),
    rounds: rounds.map((round) => Math.round(round.perSecond)),
  };
}

export async function benchPublish(url: string): Promise<PublishResult> {
  const { publishEvents, publishJobs, publishWindow, publishRounds } = config;
  const raw = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
  const bus = createBus({
    service: "bench",
    catalog: benchCatalog,
    redis: url,
    logger: silentLogger,
  });
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const queue = new Queue("bench-publish", { connection });
  const bulkQueue = new Queue("bench-publish-bulk", { connection });

  const contenders = {
    raw: (count: number) =>
      timed(
        count,
        publishWindow,
        concurrently((seq) => raw.xadd("raw:bench.event", ...rawXaddArgs(seq))),
      ),
    bus: (count: number) =>
      timed(
        count,
        publishWindow,
        concurrently((seq) => bus.publish("bench.event", benchPayload(seq))),
      ),
    bullmq: (count: number) =>
      timed(
        count,
        publishWindow,
        concurrently((seq) => queue.add("bench", benchPayload(seq))),
      ),
    bullmqBulk: (count: number) =>
      timed(count, publishWindow, (from, to) => {
        const jobs = [];
        for (let seq = from; seq < to; seq++) jobs.push({ name: "bench", data: benchPayload(seq) });
        return bulkQueue.addBulk(jobs);
      }),
  };
  const rounds: Record<keyof typeof contenders, Round[]> = {
    raw: [],
    bus: [],
    bullmq: [],
    bullmqBulk: [],
  };
  try {
    // Warm-up: connections, JIT, BullMQ's Lua scripts.
    for (const run of Object.values(contenders)) await run(Math.min(5_000, publishJobs));
    // Rounds interleaved, so a burst of load from elsewhere on the machine hits all alike.
    for (let round = 0; round < publishRounds; round++) {
      rounds.raw.push(await contenders.raw(publishEvents));
      rounds.bus.push(await contenders.bus(publishEvents));
      rounds.bullmq.push(await contenders.bullmq(publishJobs));
      rounds.bullmqBulk.push(await contenders.bullmqBulk(publishJobs));
    }
  } finally {
    await bus.close();
    await queue.close();
    await bulkQueue.close();
    raw.disconnect();
  }
  return {
    busToRaw: rounds.bus.map(
      (round, index) => round.perSecond / (rounds.raw[index] as Round).perSecond,
    ),
    bus: summary(rounds.bus),
    raw: summary(rounds.raw),
    bullmq: summary(rounds.bullmq),
    bullmqBulk: summary(rounds.bullmqBulk),
  };
}
