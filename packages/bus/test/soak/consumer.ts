/**
 * One consumer process of the fault soak: `consumer.ts <redis-url> <group> <name>`.
 * It handles `test.soak` as each event's note asks (see behaviour.ts) and records the
 * effect — the event's seq appended to its key's list — through `bus.commit`,
 * so that an effect happens once per event and group whatever the faults.
 */
import { Redis } from "ioredis";
import { pino } from "pino";
import { createBus, NonRetryableError } from "../../src/index.js";
import { apply, type Call } from "../apply.js";
import { catalog } from "../fixtures-catalog.js";
import { behaviourOf, effectsKey } from "./behaviour.js";

const [redisUrl, group, name] = process.argv.slice(2);
if (!redisUrl || !group || !name) throw new Error("usage: consumer.ts <redis-url> <group> <name>");

const flags = new Redis(redisUrl, { maxRetriesPerRequest: null });
flags.on("error", () => {});
const bus = createBus({
  service: group,
  catalog,
  redis: redisUrl,
  consumerName: name,
  // stdout carries "ready" to the fleet; logs go to stderr
  logger: pino({ level: process.env.SOAK_LOG_LEVEL ?? "silent" }, pino.destination(2)),
  shutdownTimeoutMs: 2_000,
});
bus.subscribe(
  "test.soak",
  async (event, context) => {
    const behaviour = behaviourOf(event.payload.note);
    if (behaviour.kind === "crash" && group === "worker") process.exit(3);
    if (behaviour.kind === "hang" && context.attempt === 1) await new Promise(() => {});
    if (behaviour.kind === "throw" && context.attempt <= behaviour.times)
      throw new Error(`flaky downstream, attempt ${context.attempt}`);
    if (behaviour.kind === "poison") {
      const cured = Number((await flags.get("soak:cured")) ?? -1);
      if (event.payload.seq > cured) throw new NonRetryableError("poison: a bug in the handler");
    }
    const key = effectsKey(group, event.payload.orderId);
    const calls: Call[] = [["RPUSH", key, String(event.payload.seq)]];
    if (process.env.SOAK_TRACE) {
      const note = `${event.payload.seq} attempt ${context.attempt} by ${name} at ${new Date().toISOString()}`;
      calls.push(["RPUSH", `${key}:trace`, note]);
    }
    await apply(bus, { calls }, context);
  },
  {
    concurrency: 8,
    claimIdleMs: 1_500,
    reclaimIntervalMs: 250,
    handlerTimeoutMs: 1_000,
    maxStalls: 3,
    retry: { initialDelayMs: 20, maxDelayMs: 500, budgetMs: 30_000 },
  },
);
process.on("SIGTERM", () => {
  void bus.close().finally(() => process.exit(0));
});
await bus.start();
process.stdout.write("ready\n");
