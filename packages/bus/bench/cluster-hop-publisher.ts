/**
 * Section 1's publisher, in a process of its own (as bench/latency-publisher.ts): holds
 * a fixed rate of `bench.event` events for a fixed time, each stamped with the
 * monotonic clock, either through `bus.publish` (straight to the partition stream) or
 * through `bus.commit` (into the service's outbox, which this process's relay moves on,
 * as in a service). The consumer is bench/latency-consumer.ts.
 *
 * argv: <publish|commit> <redis-url> <events-per-second> <seconds>
 * IPC out: {type: "done", sent, failed, publishP50, publishP99} once every event left
 * the outbox.
 */
import { createBus, outboxKey } from "@retail/bus";
import { Redis } from "ioredis";
import { benchCatalog, benchPayload, nowUs } from "./catalog.js";
import { commitEvent } from "./cluster-catalog.js";
import { fixedRate, until } from "./cluster-measure.js";
import { silentLogger } from "./lib.js";

// Bounded: the parent gone, this process goes too.
process.on("disconnect", () => process.exit(1));

const [mode, url, rateArg, secondsArg] = process.argv.slice(2);
if ((mode !== "publish" && mode !== "commit") || !url || !rateArg || !secondsArg)
  throw new Error("usage: cluster-hop-publisher <publish|commit> <redis-url> <rate> <seconds>");

const bus = createBus({
  service: "bench",
  catalog: benchCatalog,
  redis: url,
  logger: silentLogger,
});
const send =
  mode === "publish"
    ? (seq: number) => bus.publish("bench.event", benchPayload(seq, nowUs()))
    : (seq: number) => commitEvent(bus, "bench.event", benchPayload(seq, nowUs()));
const confirmed = await fixedRate(Number(rateArg), Number(secondsArg), send);
// The relay runs in this process: closing before the outbox is empty would strand events.
const outbox = outboxKey("bench");
const admin = new Redis(url);
await until(async () => (await admin.xlen(outbox)) === 0, 10_000, 5);
admin.disconnect();
await bus.close();
process.send?.(
  {
    type: "done",
    sent: confirmed.sent,
    failed: confirmed.failed,
    publishP50: confirmed.p50,
    publishP99: confirmed.p99,
  },
  () => process.exit(0),
);
