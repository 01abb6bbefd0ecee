/**
 * 3. The publisher side of the latency run, in a process of its own: publishes at a
 * fixed rate for a fixed time, stamping each payload with the monotonic clock.
 *
 * argv: <bus|raw> <redis-url> <events-per-second> <seconds>
 * IPC out: {type: "done", sent, failed}.
 */

import { createBus } from "@retail/bus";
import { Redis } from "ioredis";
import { benchCatalog, benchPayload, nowUs } from "./catalog.js";
import { RAW_LATENCY_STREAM } from "./latency-stats.js";
import { percentile, silentLogger, sleep } from "./lib.js";
import { rawXaddArgs } from "./raw.js";

// Bounded: the parent gone, this process goes too.
process.on("disconnect", () => process.exit(1));

const [mode, url, rateArg, secondsArg] = process.argv.slice(2);
if ((mode !== "bus" && mode !== "raw") || !url || !rateArg || !secondsArg)
  throw new Error("usage: latency-publisher <bus|raw> <redis-url> <rate> <seconds>");
const perSecond = Number(rateArg);
const total = Math.round(perSecond * Number(secondsArg));

let publish: (seq: number) => Promise<unknown>;
let close: () => Promise<void>;
if (mode === "bus") {
  const bus = createBus({
    service: "bench",
    catalog: benchCatalog,
    redis: url,
    logger: silentLogger,
  });
  publish = (seq) => bus.publish("bench.event", benchPayload(seq, nowUs()));
  close = () => bus.close();
} else {
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
  publish = (seq) =>
    redis.xadd(RAW_LATENCY_STREAM, ...rawXaddArgs(seq, benchPayload(seq, nowUs())));
  close = async () => {
    await redis.quit();
  };
}

let failed = 0;
/** How long each publish took to be confirmed by Redis, ms. */
const acked: number[] = [];
const inFlight = new Set<Promise<unknown>>();
const started = performance.now();
// Bounded: stops at `total` events, or 3× the planned time if the machine cannot keep up.
const limit = started + 3_000 * Number(secondsArg) + 5_000;
let sent = 0;
while (sent < total && performance.now() < limit) {
  const due = Math.min(total, Math.floor(((performance.now() - started) * perSecond) / 1_000));
  while (sent < due) {
    const stamp = performance.now();
    const call = publish(sent++).then(
      () => {
        acked.push(performance.now() - stamp);
      },
      () => {
        failed++;
      },
    );
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }
  await sleep(1);
}
await Promise.all(inFlight);
await close();
const confirmed = Float64Array.from(acked).sort();
process.send?.(
  {
    type: "done",
    sent,
    failed,
    publishP50: percentile(confirmed, 50),
    publishP99: percentile(confirmed, 99),
  },
  () => process.exit(0),
);
