/**
 * 4. Memory: 3M events through one bus consumer (no-op handler, `--expose-gc`) while the
 * topic is trimmed to its retention; RSS, heap and Redis memory sampled on the way.
 */

import { createBus } from "@retail/bus";
import type { Redis } from "ioredis";
import { benchCatalog, benchPayload } from "./catalog.js";
import { config } from "./config.js";
import { child, exited, messageOf, nextMessage, silentLogger, sleep } from "./lib.js";
import type { MemorySample } from "./memory-stats.js";

export interface MemoryResult {
  events: number;
  seconds: number;
  samples: MemorySample[];
  /** False when the run hit its time limit. */
  complete: boolean;
}

type Progress = { type: "progress"; handled: number };
type Sample = { type: "sample"; sample: MemorySample };

/** No memory run may take longer than this (3M events take about 4 minutes on a 2-core VM). */
const RUN_LIMIT_MS = 600_000;

export async function benchMemory(admin: Redis, url: string): Promise<MemoryResult> {
  const { memoryEvents, memorySampleEvery, retention } = config;
  await admin.flushall();
  const consumer = child(
    "memory-consumer",
    [url, String(memoryEvents), String(memorySampleEvery)],
    ["--expose-gc"],
  );
  const samples: MemorySample[] = [];
  let handled = 0;
  consumer.on("message", (message: unknown) => {
    if (messageOf<Progress>("progress")(message)) handled = Math.max(handled, message.handled);
    if (messageOf<Sample>("sample")(message)) samples.push(message.sample);
  });
  const bus = createBus({
    service: "bench",
    catalog: benchCatalog,
    redis: url,
    logger: silentLogger,
  });
  // The publisher stays at most this far ahead of the consumer, well inside the retention,
  // so trimming never drops an entry before it is read.
  const maxAhead = Math.min(20_000, Math.floor(retention / 2));
  const started = performance.now();
  const deadline = Date.now() + RUN_LIMIT_MS;
  let complete = true;
  try {
    await nextMessage(
      consumer,
      messageOf<{ type: "ready" }>("ready"),
      30_000,
      "the memory consumer",
    );
    let published = 0;
    while (published < memoryEvents) {
      if (Date.now() > deadline) {
        complete = false;
        break;
      }
      if (published - handled > maxAhead) {
        await sleep(1);
        continue;
      }
      const calls: Promise<unknown>[] = [];
      const end = Math.min(memoryEvents, published + 1_000);
      for (let seq = published; seq < end; seq++)
        calls.push(bus.publish("bench.event", benchPayload(seq)));
      await Promise.all(calls);
      published = end;
    }
    while (complete && handled < memoryEvents) {
      if (Date.now() > deadline) complete = false;
      else await sleep(10);
    }
    const seconds = (performance.now() - started) / 1_000;
    const finished = nextMessage(
      consumer,
      messageOf<{ type: "finished" }>("finished"),
      30_000,
      "the memory consumer to stop",
    );
    consumer.send({ type: "stop" });
    await finished;
    samples.sort((a, b) => a.handled - b.handled);
    return { events: memoryEvents, seconds, samples, complete };
  } finally {
    await bus.close();
    await exited(consumer, 5_000);
  }
}
