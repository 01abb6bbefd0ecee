/**
 * A consumer in a process of its own, for tests that kill it. It says on stdout when
 * it is ready and when it holds an event. Modes:
 *
 * - `hold` (default): the handler hangs before acknowledging, as a process that dies
 *   mid-handler would: for odd `seq` after committing the event's effect, for even
 *   `seq` before.
 * - `exit`: the handler counts its run in `{worker}:runs` (a hash by event id) and
 *   ends the process at once, as an event that crashes its consumer would.
 *
 * Options after the mode: `claimIdleMs=<n>`, `reclaimIntervalMs=<n>`, `maxDeliveries=<n>`,
 * `maxStalls=<n>`.
 */
import { busConnection, connectTo } from "@retail/testing";
import { pino } from "pino";
import { createBus, type SubscribeOptions } from "../src/index.js";
import { apply } from "./apply.js";
import { catalog } from "./fixtures-catalog.js";

const [redisUrl, mode = "hold", ...settings] = process.argv.slice(2);
if (!redisUrl)
  throw new Error("usage: consumer-process <redis-url|host:port,…> [hold|exit] [name=value…]");
const options: SubscribeOptions = { claimIdleMs: 1_000 };
for (const setting of settings) {
  const [name, value] = setting.split("=");
  if (
    name === "claimIdleMs" ||
    name === "reclaimIntervalMs" ||
    name === "maxDeliveries" ||
    name === "maxStalls"
  )
    options[name] = Number(value);
}

// Counts runs outside the bus: a processed mark would make the next delivery a duplicate.
const counter = connectTo(redisUrl);
const bus = createBus({
  service: "worker",
  catalog,
  redis: busConnection(redisUrl),
  logger: pino({ level: "silent" }),
});
bus.subscribe(
  "test.order-placed",
  async (event, context) => {
    if (mode === "exit") {
      await counter.hincrby("{worker}:runs", event.id, 1);
      process.stdout.write(`exiting on ${event.id}\n`);
      process.exit(1);
    }
    if (event.payload.seq % 2 === 1) {
      await apply(bus, { calls: [["HINCRBY", "{worker}:effects", event.id, 1]] }, context);
    }
    process.stdout.write(`holding ${event.id}\n`);
    await new Promise(() => {});
  },
  options,
);
await bus.start();
process.stdout.write("ready\n");
