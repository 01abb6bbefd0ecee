/**
 * 4. The consumer of the memory run, in a process of its own started with
 * `--expose-gc`: a bus subscription with a no-op handler. Every `every` events it
 * forces a GC and samples its RSS and heap, and Redis's memory, stream length and
 * processed-mark count; it reports progress often, so the publisher can stay within
 * the stream's retention.
 *
 * argv: <redis-url> <total> <every>
 * IPC out: {type: "ready"}, {type: "progress", handled}, {type: "sample", sample}, {type: "finished"}.
 */

import { createBus, processedKey, streamKey } from "@retail/bus";
import { Redis } from "ioredis";
import { benchCatalog } from "./catalog.js";
import { redisInfo, silentLogger } from "./lib.js";
import type { MemorySample } from "./memory-stats.js";

// Bounded: the parent gone, this process goes too.
process.on("disconnect", () => process.exit(1));

const [url, totalArg, everyArg] = process.argv.slice(2);
if (!url || !totalArg || !everyArg)
  throw new Error("usage: memory-consumer <redis-url> <total> <every>");
const total = Number(totalArg);
const every = Number(everyArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

const GROUP = "memory";
const admin = new Redis(url);
const bus = createBus({
  service: "bench-worker",
  catalog: benchCatalog,
  redis: url,
  logger: silentLogger,
});
const samples: Promise<void>[] = [];

async function sample(handled: number): Promise<void> {
  (gc as () => void)();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const [memory, streamLength, marks] = await Promise.all([
    redisInfo(admin, "memory"),
    admin.xlen(streamKey("bench.event", 0)),
    admin.zcard(processedKey(GROUP)),
  ]);
  const result: MemorySample = {
    handled,
    rss,
    heapUsed,
    heapTotal,
    external,
    redisUsedMemory: Number(memory.used_memory),
    streamLength,
    marks,
  };
  process.send?.({ type: "sample", sample: result });
}

let handled = 0;
bus.subscribe(
  "bench.event",
  () => {
    handled++;
    if (handled % 1_000 === 0) process.send?.({ type: "progress", handled });
    if (handled % every === 0 || handled === total) samples.push(sample(handled));
  },
  { group: GROUP },
);
await bus.start();
await sample(0);
process.send?.({ type: "ready" });

process.on("message", (message: { type?: string }) => {
  if (message.type !== "stop") return;
  void (async () => {
    await Promise.all(samples);
    await bus.close();
    admin.disconnect();
    process.send?.({ type: "finished" }, () => process.exit(0));
  })();
});
