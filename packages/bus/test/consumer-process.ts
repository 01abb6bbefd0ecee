/**
 * A consumer in a process of its own, for the kill -9 test. Its handler hangs before
 * acknowledging, as a process that dies mid-handler would: for odd `seq` after
 * committing the event's effect, for even `seq` before. It says on stdout when it
 * holds an event.
 */
import { pino } from "pino";
import { createBus } from "../src/index.js";
import { catalog } from "./fixtures-catalog.js";

const [redisUrl] = process.argv.slice(2);
if (!redisUrl) throw new Error("usage: consumer-process <redis-url>");

const bus = createBus({
  service: "worker",
  catalog,
  redis: redisUrl,
  logger: pino({ level: "silent" }),
});
bus.subscribe(
  "test.order-placed",
  async (event, context) => {
    if (event.payload.seq % 2 === 1) {
      await context.atomically((batch) => batch.call("HINCRBY", "{worker}:effects", event.id, 1));
    }
    process.stdout.write(`holding ${event.id}\n`);
    await new Promise(() => {});
  },
  { claimIdleMs: 1_000 },
);
await bus.start();
process.stdout.write("ready\n");
