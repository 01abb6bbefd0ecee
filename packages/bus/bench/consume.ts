/**
 * 2. Consume + ack throughput in one process with a no-op handler: a pre-filled backlog
 * drained by the bus (several concurrencies), by a raw `XREADGROUP COUNT n` + pipelined
 * `XACK` loop, and by BullMQ workers (several concurrencies).
 */

import { createBus, streamKey } from "@retail/bus";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { benchCatalog, benchCatalogFor, benchPayload } from "./catalog.js";
import { config } from "./config.js";
import { median, rate, silentLogger, sleep } from "./lib.js";
import { rawPayload, replyEntries } from "./raw.js";

export interface Drain {
  label: string;
  /** Entries (jobs) handled and acknowledged per second: the median of the rounds. */
  perSecond: number;
  /** CPU of this process per entry, µs: the median of the rounds. */
  cpuUs: number;
  count: number;
  /** False when a run hit its time limit before draining everything. */
  complete: boolean;
  /** Entries per second of each round. */
  rounds: number[];
  /** Each round's entries/s divided by the raw loop's in the same round (absent for raw and BullMQ). */
  ratios: number[];
}

export interface ConsumeResult {
  bus: Drain[];
  /** The bus at the default concurrency (16). */
  busDefault: Drain | undefined;
  /** The bus's best contender, by median entries/s. */
  busBest: Drain;
  raw: Drain;
  bullmq: Drain[];
  bullmqBest: Drain;
}

/** One drain of one contender. */
interface Run {
  perSecond: number;
  cpuUs: number;
  count: number;
  complete: boolean;
}

/** No run may take longer than this, whatever its size. */
const RUN_LIMIT_MS = 180_000;

/** Pre-fill the bus's stream with `count` real envelopes (the bus's client pipelines the XADDs). */
async function prefill(url: string, count: number): Promise<string> {
  const bus = createBus({
    service: "bench",
    catalog: benchCatalog,
    redis: url,
    logger: silentLogger,
  });
  try {
    for (let from = 0; from < count; from += 5_000) {
      const writes: Promise<unknown>[] = [];
      for (let seq = from; seq < Math.min(count, from + 5_000); seq++)
        writes.push(bus.publish("bench.drain", benchPayload(seq)));
      await Promise.all(writes);
    }
  } finally {
    await bus.close();
  }
  return streamKey("bench.drain", 0);
}

/** Resolves once `done()` is true, polling every `everyMs`, or when `deadline` passes. */
async function until(done: () => boolean, deadline: number, everyMs = 2): Promise<boolean> {
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

function measure(count: number, complete: boolean, started: number, cpu: NodeJS.CpuUsage): Run {
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: rate(count, elapsed),
    cpuUs: (used.user + used.system) / Math.max(1, count),
    count,
    complete,
  };
}

/** A contender's rounds as one row: medians, and each round against the raw loop's. */
function drainOf(label: string, runs: readonly Run[], rawRuns?: readonly Run[]): Drain {
  return {
    label,
    perSecond: median(runs.map((run) => run.perSecond)),
    cpuUs: median(runs.map((run) => run.cpuUs)),
    count: Math.min(...runs.map((run) => run.count)),
    complete: runs.every((run) => run.complete),
    rounds: runs.map((run) => run.perSecond),
    ratios: rawRuns
      ? runs.map((run, round) => run.perSecond / (rawRuns[round] as Run).perSecond)
      : [],
  };
}

async function pendingOf(admin: Redis, stream: string, group: string): Promise<number> {
  const summary = (await admin.xpending(stream, group)) as [number, ...unknown[]];
  return Number(summary[0]);
}

/** A bus contender: its concurrency, and whether it checks and records processed marks. */
interface BusSetup {
  concurrency: number;
  idempotency: boolean;
}

function busLabel({ concurrency, idempotency }: BusSetup): string {
  return `bus, concurrency ${concurrency}${idempotency ? "" : ", idempotency off"}`;
}

async function drainWithBus(
  url: string,
  admin: Redis,
  stream: string,
  count: number,
  { concurrency, idempotency }: BusSetup,
  round: number,
): Promise<Run> {
  const group = `bus-c${concurrency}${idempotency ? "" : "-noidem"}-r${round}`;
  const bus = createBus({
    service: "bench-worker",
    catalog: benchCatalogFor(group),
    redis: url,
    logger: silentLogger,
  });
  let handled = 0;
  bus.subscribe(
    "bench.drain",
    () => {
      handled++;
    },
    { group, concurrency, idempotency, startFrom: "beginning" },
  );
  const deadline = Date.now() + RUN_LIMIT_MS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    await bus.start();
    let complete = await until(() => handled >= count, deadline);
    // Acknowledged too: nothing left pending.
    let pending = await pendingOf(admin, stream, group);
    while (complete && pending > 0) {
      if (Date.now() > deadline) complete = false;
      else pending = await pendingOf(admin, stream, group);
    }
    return measure(Math.min(handled, count), complete, started, cpu);
  } finally {
    await bus.close();
  }
}

/** The baseline: read a batch, parse each payload, call a no-op, ack the batch without waiting, read on. */
async function drainRaw(
  url: string,
  stream: string,
  count: number,
  batch: number,
  round: number,
): Promise<Run> {
  const group = `raw-r${round}`;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  await redis.xgroup("CREATE", stream, group, "0", "MKSTREAM");
  const handler = (_payload: unknown) => {};
  const deadline = Date.now() + RUN_LIMIT_MS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let handled = 0;
  let lastAck: Promise<unknown> = Promise.resolve();
  try {
    while (handled < count && Date.now() < deadline) {
      const reply = await redis.call(
        "XREADGROUP",
        "GROUP",
        group,
        "raw-1",
        "COUNT",
        batch,
        "BLOCK",
        100,
        "STREAMS",
        stream,
        ">",
      );
      const entries = replyEntries(reply);
      if (entries.length === 0) continue;
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        handler(rawPayload(fields));
        ids.push(id);
      }
      handled += entries.length;
      // Pipelined: goes out before the next read, on the same connection; not awaited.
      lastAck = redis.xack(stream, group, ...ids);
    }
    await lastAck;
    return measure(Math.min(handled, count), handled >= count, started, cpu);
  } finally {
    redis.disconnect();
  }
}

async function drainWithBullmq(url: string, count: number, concurrency: number): Promise<Run> {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const name = `bench-drain-c${concurrency}`;
  const queue = new Queue(name, { connection });
  for (let from = 0; from < count; from += 1_000) {
    const jobs = [];
    for (let seq = from; seq < Math.min(count, from + 1_000); seq++) {
      jobs.push({
        name: "bench",
        data: benchPayload(seq),
        opts: { removeOnComplete: true, removeOnFail: true },
      });
    }
    await queue.addBulk(jobs);
  }
  let completed = 0;
  const deadline = Date.now() + RUN_LIMIT_MS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const worker = new Worker(name, async () => {}, { connection, concurrency });
  worker.on("completed", () => {
    completed++;
  });
  try {
    const complete = await until(() => completed >= count, deadline);
    return measure(Math.min(completed, count), complete, started, cpu);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

function best(drains: Drain[]): Drain {
  return drains.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
}

/**
 * Rounds of: the raw loop, then each bus contender, each draining the same backlog
 * through a consumer group of its own. The raw loop runs in every round, so that each
 * bus figure has a baseline measured minutes, not a whole run, away from it: on a
 * shared VM the same drain varies by a third from one minute to the next.
 */
export async function benchConsume(url: string): Promise<ConsumeResult> {
  const { consumeEvents, consumeJobs, consumeRounds, busConcurrency, rawCount, bullConcurrency } =
    config;
  const admin = new Redis(url);
  try {
    const stream = await prefill(url, consumeEvents);
    const setups: BusSetup[] = busConcurrency.map((concurrency) => ({
      concurrency,
      idempotency: true,
    }));
    // Idempotency's cost, at the highest concurrency (the fastest so far on every machine).
    setups.push({ concurrency: Math.max(...busConcurrency), idempotency: false });
    const rawRuns: Run[] = [];
    const busRuns: Run[][] = setups.map(() => []);
    for (let round = 0; round < consumeRounds; round++) {
      rawRuns.push(await drainRaw(url, stream, consumeEvents, rawCount, round));
      for (const [index, setup] of setups.entries())
        busRuns[index]?.push(await drainWithBus(url, admin, stream, consumeEvents, setup, round));
    }
    const bus = setups.map((setup, index) =>
      drainOf(busLabel(setup), busRuns[index] ?? [], rawRuns),
    );
    const bullmq: Drain[] = [];
    for (const concurrency of bullConcurrency) {
      const run = await drainWithBullmq(url, consumeJobs, concurrency);
      bullmq.push(drainOf(`BullMQ, concurrency ${concurrency}`, [run]));
    }
    return {
      bus,
      busDefault: bus.find((drain) => drain.label === "bus, concurrency 16"),
      busBest: best(bus.filter((_, index) => setups[index]?.idempotency)),
      raw: drainOf(`raw loop, COUNT ${rawCount}`, rawRuns),
      bullmq,
      bullmqBest: best(bullmq),
    };
  } finally {
    admin.disconnect();
  }
}
