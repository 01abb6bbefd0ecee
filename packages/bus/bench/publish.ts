/**
 * 1. Publish throughput: the bus's `publish` vs raw auto-pipelined `XADD` of the same
 * fields vs BullMQ's `queue.add`, each awaited in windows of concurrent calls.
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createBus } from "../src/index.js";
import { benchCatalog, benchPayload } from "./catalog.js";
import { config } from "./config.js";
import { median, rate, silentLogger } from "./lib.js";

export interface PublishResult {
  bus: number;
  raw: number;
  bullmq: number;
  bullmqBulk: number;
  rounds: { bus: number[]; raw: number[]; bullmq: number[]; bullmqBulk: number[] };
}

/** Run `count` calls of `publish`, `window` at a time; resolves to events per second. */
async function windows(
  count: number,
  window: number,
  publish: (seq: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  for (let offset = 0; offset < count; offset += window) {
    const batch: Promise<unknown>[] = [];
    for (let seq = offset; seq < Math.min(count, offset + window); seq++) batch.push(publish(seq));
    await Promise.all(batch);
  }
  return rate(count, performance.now() - started);
}

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/**
 * What a hand-written producer would append for the same event: the envelope's field
 * names and sizes (a random UUID, a timestamp, the payload as JSON), trimmed the same way.
 */
function rawFields(seq: number): string[] {
  const id = randomUUID();
  const payload = benchPayload(seq);
  return [
    "MAXLEN",
    "~",
    String(config.retention),
    "*",
    "id",
    id,
    "type",
    "bench.event",
    "version",
    "1",
    "occurredAt",
    new Date().toISOString(),
    "source",
    "bench",
    "correlationId",
    id,
    "traceparent",
    TRACEPARENT,
    "partitionKey",
    payload.orderId,
    "payload",
    JSON.stringify(payload),
  ];
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
      windows(count, publishWindow, (seq) => raw.xadd("raw:bench.event", ...rawFields(seq))),
    bus: (count: number) =>
      windows(count, publishWindow, (seq) => bus.publish("bench.event", benchPayload(seq))),
    bullmq: (count: number) =>
      windows(count, publishWindow, (seq) => queue.add("bench", benchPayload(seq))),
    bullmqBulk: async (count: number) => {
      const started = performance.now();
      for (let offset = 0; offset < count; offset += publishWindow) {
        const jobs = [];
        for (let seq = offset; seq < Math.min(count, offset + publishWindow); seq++)
          jobs.push({ name: "bench", data: benchPayload(seq) });
        await bulkQueue.addBulk(jobs);
      }
      return rate(count, performance.now() - started);
    },
  };
  const rounds: PublishResult["rounds"] = { bus: [], raw: [], bullmq: [], bullmqBulk: [] };
  try {
    // Warm-up: connections, JIT, Lua scripts.
    for (const run of Object.values(contenders)) await run(Math.min(5_000, publishJobs));
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
    bus: median(rounds.bus),
    raw: median(rounds.raw),
    bullmq: median(rounds.bullmq),
    bullmqBulk: median(rounds.bullmqBulk),
    rounds,
  };
}
