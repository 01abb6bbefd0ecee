import { Redis } from "ioredis";
import { beforeAll, describe, it } from "vitest";
import type { Tally } from "./load.js";
import { type Fault, ordersThroughFaults } from "./orders-through-faults.js";
import {
  compose,
  killAndRestart,
  type URLS,
  waitForHealthyStack,
  waitUntil,
  waitUntilReady,
} from "./stack.js";

const ADMIN_REDIS = `redis://default:${process.env.REDIS_ADMIN_PASSWORD ?? "demo-admin-password"}@127.0.0.1:6379`;

/** One after another, each under load: a crash of every service, then Redis away. */
function faults(tally: Tally): readonly Fault[] {
  const answered503 = () => tally.count((key) => key.startsWith("503"));
  return [
    ["SIGKILL shipping", () => crashAndRecover("shipping")],
    ["SIGKILL inventory", () => crashAndRecover("inventory")],
    ["SIGKILL client-monitoring", () => crashAndRecover("client-monitoring")],
    [
      "Redis stopped until a 503, then started",
      async () => {
        const before = answered503();
        await compose("stop", "redis");
        await waitUntil("a 503 while Redis is down", async () => answered503() > before, 60_000);
        await compose("start", "redis");
        for (const service of ["inventory", "shipping", "client-monitoring"] as const)
          await ready(service);
      },
    ],
  ];
}

async function crashAndRecover(service: keyof typeof URLS): Promise<void> {
  await killAndRestart(service);
  await ready(service);
}

// shipping's readiness is asked through shipping-gateway: its one replica's answer
const ready = (service: keyof typeof URLS) => waitUntilReady(service, 120_000);

// On the stack global-setup.ts starts, after compose.test.ts (its own SKUs, so the
// earlier orders do not matter); every service must be back from that test's SIGKILL.
describe("docker compose under chaos: each service SIGKILLed and Redis stopped under load", () => {
  beforeAll(async () => {
    await waitForHealthyStack(180_000);
  });

  it("settles every accepted order with its one shipment, keeps the stock invariant and answers no 5xx but 503", async () => {
    await ordersThroughFaults({ faults, connect: async () => new Redis(ADMIN_REDIS) });
  });
});
