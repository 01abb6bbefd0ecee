/**
 * 3. The consumer side of the latency run, in a process of its own (so its Node flags,
 * e.g. `--max-semi-space-size`, are its own): records publish → handler latency per
 * event and the GC pauses meanwhile, and reports them over IPC.
 *
 * argv: <bus|raw> <redis-url> <capacity> [bus concurrency] [bus idempotency: on|off]
 * IPC in: {type: "finish", sent, measureFrom}; out: {type: "ready"}, {type: "result", …}.
 */
import { type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { createBus } from "@retail/bus";
import { Redis } from "ioredis";
import { benchCatalog, nowUs } from "./catalog.js";
import { type LatencyResult, RAW_LATENCY_STREAM, summarizeLatency } from "./latency-stats.js";
import { silentLogger, sleep } from "./lib.js";
import { rawPayload, replyEntries } from "./raw.js";

// Bounded: the parent gone, this process goes too.
process.on("disconnect", () => process.exit(1));

const [mode, url, capacityArg, concurrencyArg, idempotencyArg] = process.argv.slice(2);
if ((mode !== "bus" && mode !== "raw") || !url || !capacityArg)
  throw new Error("usage: latency-consumer <bus|raw> <redis-url> <capacity>");
const capacity = Number(capacityArg);

/** Latency (ms) by the publisher's sequence number; NaN until received. */
const latencies = new Float64Array(capacity).fill(Number.NaN);
/** When each event reached its handler: ms on this process's performance clock. */
const receivedAt = new Float64Array(capacity).fill(Number.NaN);
let received = 0;

function record(seq: number, sentAtUs: number): void {
  if (seq < 0 || seq >= capacity || !Number.isNaN(latencies[seq] as number)) return;
  latencies[seq] = (nowUs() - sentAtUs) / 1_000;
  receivedAt[seq] = performance.now();
  received++;
}

/** Every GC pause of the run: [start, duration] on the performance clock, and its kind. */
const pauses: { start: number; duration: number; kind: number }[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
    pauses.push({ start: entry.startTime, duration: entry.duration, kind });
  }
});
observer.observe({ entryTypes: ["gc"] });

let stop: () => Promise<void>;
if (mode === "bus") {
  const bus = createBus({
    service: "bench-worker",
    catalog: benchCatalog,
    redis: url,
    logger: silentLogger,
  });
  bus.subscribe(
    "bench.event",
    (event) => {
      record(event.payload.seq, event.payload.sentAtUs);
    },
    {
      group: "latency",
      concurrency: Number(concurrencyArg ?? 16),
      idempotency: idempotencyArg !== "off",
    },
  );
  await bus.start();
  stop = () => bus.close();
} else {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  await redis.xgroup("CREATE", RAW_LATENCY_STREAM, "latency", "$", "MKSTREAM");
  let running = true;
  const loop = (async () => {
    while (running) {
      const reply = await redis.call(
        "XREADGROUP",
        "GROUP",
        "latency",
        "raw-1",
        "COUNT",
        100,
        "BLOCK",
        1_000,
        "STREAMS",
        RAW_LATENCY_STREAM,
        ">",
      );
      const entries = replyEntries(reply);
      if (entries.length === 0) continue;
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        const payload = rawPayload(fields);
        if (payload) record(payload.seq, payload.sentAtUs);
        ids.push(id);
      }
      // Pipelined ahead of the next read on the same connection; not awaited.
      void redis.xack(RAW_LATENCY_STREAM, "latency", ...ids).catch(() => {});
    }
  })();
  stop = async () => {
    running = false;
    await Promise.race([loop, sleep(1_500)]);
    redis.disconnect();
  };
}

process.send?.({ type: "ready" });

process.on("message", (message: { type?: string; sent?: number; measureFrom?: number }) => {
  if (message.type !== "finish") return;
  void (async () => {
    const sent = message.sent ?? 0;
    const deadline = Date.now() + 5_000;
    while (received < sent && Date.now() < deadline) await sleep(10);
    observer.disconnect();
    await stop();
    const result: LatencyResult = summarizeLatency(
      latencies.subarray(0, sent),
      receivedAt.subarray(0, sent),
      message.measureFrom ?? 0,
      pauses,
    );
    process.send?.({ type: "result", result }, () => process.exit(0));
  })();
});
