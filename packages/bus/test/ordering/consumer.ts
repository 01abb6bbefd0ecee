/**
 * One consumer process of the per-key-order test: `consumer.ts <redis-url> <name>`. It
 * handles `test.ordered` in the group "ordered" with `ordering: "per-key"`, and records
 * each event's effect through `bus.commit` — its seq appended to its key's list, and this
 * process's name to the key's list of handlers — so an event has one effect whatever
 * the redeliveries. The first attempt of every `flaky` event fails. Says "ready" on
 * stdout once its bus has started.
 */
import { pino } from "pino";
import { createBus } from "../../src/index.js";
import { apply, type Call } from "../apply.js";
import { orderedCatalog } from "./catalog.js";
import { effectsKey, flaky, handlersKey, RETRIED } from "./effects.js";

const [redisUrl, name] = process.argv.slice(2);
if (!redisUrl || !name) throw new Error("usage: consumer.ts <redis-url> <name>");

const bus = createBus({
  service: "ordered",
  catalog: orderedCatalog,
  redis: redisUrl,
  consumerName: name,
  // stdout carries "ready" to the test; logs go to stderr
  logger: pino({ level: process.env.ORDERING_LOG_LEVEL ?? "silent" }, pino.destination(2)),
  shutdownTimeoutMs: 2_000,
});
bus.subscribe(
  "test.ordered",
  async (event, context) => {
    const { orderId, seq } = event.payload;
    // A few turns of the event loop, so that the keys' handlers interleave.
    for (let turn = 0; turn < (seq % 3) + 1; turn++) await new Promise(setImmediate);
    // One event in twenty fails its first attempt: it is parked and retried, and the
    // later events of its key wait for it.
    if (flaky(seq) && context.attempt === 1) throw new Error("flaky downstream");
    const calls: Call[] = [
      ["RPUSH", effectsKey(orderId), String(seq)],
      ["RPUSH", handlersKey(orderId), name],
    ];
    if (context.attempt > 1) calls.push(["INCR", RETRIED]);
    await apply(bus, { calls }, context);
  },
  {
    ordering: "per-key",
    leaseTtlMs: 1_500,
    concurrency: 8,
    retry: { initialDelayMs: 20, maxDelayMs: 200 },
  },
);
process.on("SIGTERM", () => {
  void bus.close().finally(() => process.exit(0));
});
await bus.start();
process.stdout.write("ready\n");
