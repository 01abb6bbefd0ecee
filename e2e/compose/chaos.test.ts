import { stockInvariantViolations } from "@retail/inventory/testing";
import { Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { expectedFinals, type Outcome, placeAndMaybeCancel, planOf } from "./chaos-orders.js";
import {
  FINAL_ORDER_STATUSES,
  type ShipmentView,
  shipmentDisagreement,
  shipmentIdsByOrder,
} from "./checks.js";
import { atSteadyRate, request, Tally } from "./load.js";
import {
  compose,
  killAndRestart,
  URLS,
  waitForHealthyStack,
  waitUntil,
  waitUntilReady,
} from "./stack.js";

const INVENTORY = URLS.inventory;
const ADMIN_REDIS = `redis://default:${process.env.REDIS_ADMIN_PASSWORD ?? "demo-admin-password"}@127.0.0.1:6379`;
const ORDERS_PER_SECOND = 20;
/** Orders between two faults, and after the last one: every fault hits orders in flight. */
const ORDERS_BETWEEN_FAULTS = 40;
/** A bound on the load, however long the faults take. */
const MAX_ORDERS = 1_200;

/** What the run saw, for the summary: filled in as the test goes. */
interface Run {
  tally: Tally;
  outcomes: Outcome[];
  faultTimes: string[];
  finals: Map<string, string>;
  settleSeconds?: number;
}

/** One after another, each under load: a crash of every service, then Redis away. */
function faults(tally: Tally): readonly [string, () => Promise<void>][] {
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

/** Orders at a steady rate while the faults run one after another, and a little after. */
async function loadThroughFaults(run: Run): Promise<void> {
  let sent = 0;
  let loadEndsAt = MAX_ORDERS;
  const chaos = (async () => {
    for (const [name, fault] of faults(run.tally)) {
      const due = sent + ORDERS_BETWEEN_FAULTS;
      await waitUntil(`${due} orders sent`, async () => sent >= due, 120_000, 50);
      const startedAt = Date.now();
      await fault();
      run.faultTimes.push(`${name} ${seconds(startedAt)} s`);
    }
  })().finally(() => {
    loadEndsAt = Math.min(MAX_ORDERS, sent + ORDERS_BETWEEN_FAULTS);
  });
  chaos.catch(() => {}); // awaited below, once the load has stopped
  run.outcomes = await atSteadyRate(
    ORDERS_PER_SECOND,
    (count) => count < loadEndsAt,
    (index) => {
      sent = index + 1;
      return placeAndMaybeCancel(run.tally, planOf(index));
    },
  );
  await chaos;
}

/** Poll the accepted orders still moving until each is delivered, failed or cancelled. */
async function settle(run: Run, accepted: readonly Outcome[]): Promise<void> {
  const startedAt = Date.now();
  await waitUntil(
    "every accepted order to reach a final state",
    async () => {
      const open = accepted.filter(({ placed }) => !run.finals.has(placed?.body.orderId));
      await inBatches(open, async ({ placed }) => {
        const order = await request(
          run.tally,
          "GET",
          `${INVENTORY}/orders/${placed?.body.orderId}`,
        );
        if (FINAL_ORDER_STATUSES.has(order?.body?.status))
          run.finals.set(order?.body.orderId, order?.body.status);
      });
      return run.finals.size === accepted.length;
    },
    240_000,
    1_000,
  );
  run.settleSeconds = Number(seconds(startedAt));
}

/** Each accepted order whose shipments (events and API) disagree with its final state. */
async function shipmentProblems(run: Run, accepted: readonly Outcome[], redis: Redis) {
  const problems: string[] = [];
  const idsByOrder = await shipmentIdsByOrder(redis);
  const shipping = URLS.shipping;
  await inBatches(accepted, async ({ placed }) => {
    const orderId: string = placed?.body.orderId;
    const ids = idsByOrder.get(orderId) ?? new Set();
    const listed = await request(run.tally, "GET", `${shipping}/shipments?orderId=${orderId}`);
    const problem =
      ids.size > 1
        ? `${ids.size} shipments in the events`
        : shipmentDisagreement(
            run.finals.get(orderId) ?? "",
            (listed?.body ?? []) as ShipmentView[],
          );
    if (problem) problems.push(`${orderId}: ${problem}`);
  });
  return problems;
}

// On the stack global-setup.ts starts, after compose.test.ts (its own SKUs, so the
// earlier orders do not matter); every service must be back from that test's SIGKILL.
describe("docker compose under chaos: each service SIGKILLed and Redis stopped under load", () => {
  beforeAll(async () => {
    await waitForHealthyStack(180_000);
  });

  it("settles every accepted order with its one shipment, keeps the stock invariant and answers no 5xx but 503", async () => {
    const run: Run = { tally: new Tally(), outcomes: [], faultTimes: [], finals: new Map() };
    // Connected only once Redis is back for good: the checks read through it.
    const redis = new Redis(ADMIN_REDIS, { lazyConnect: true });
    try {
      for (const [sku, available] of [
        ["CHAOS-PLENTY", 100_000],
        ["CHAOS-EMPTY", 0],
      ] as const) {
        const body = { name: sku, priceCents: 999, available };
        const put = await request(run.tally, "PUT", `${INVENTORY}/products/${sku}`, body);
        expect(put?.status).toBeLessThan(300);
      }

      await loadThroughFaults(run);
      expect(run.tally.serverErrorsBut503()).toEqual([]);
      const unanswered = run.outcomes.filter(({ placed }) => placed === undefined);
      expect(unanswered.map(({ plan }) => plan.index)).toEqual([]);
      const wrongAnswers = run.outcomes.filter(({ plan, placed }) =>
        plan.expected === "rejected"
          ? placed?.status !== 409 || placed.body?.error?.code !== "out_of_stock"
          : placed?.status !== 201,
      );
      expect(wrongAnswers).toEqual([]);

      const accepted = run.outcomes.filter(({ placed }) => placed?.status === 201);
      await settle(run, accepted);
      const unexpectedFinals = accepted
        .map((outcome) => ({ ...outcome, final: run.finals.get(outcome.placed?.body.orderId) }))
        .filter((outcome) => !expectedFinals(outcome).includes(outcome.final ?? ""));
      expect(unexpectedFinals).toEqual([]);

      expect(await shipmentProblems(run, accepted, redis)).toEqual([]);
      expect(await stockInvariantViolations(redis)).toEqual([]);
      expect(run.tally.serverErrorsBut503()).toEqual([]);
    } finally {
      redis.disconnect();
      printSummary(run);
    }
  });
});

/** Run `work` over `items`, 20 at a time: fast, without flooding the services. */
async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += 20) {
    await Promise.all(items.slice(start, start + 20).map(work));
  }
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1_000).toFixed(1);
}

function printSummary({ tally, outcomes, faultTimes, finals, settleSeconds }: Run): void {
  const count = (items: Iterable<unknown>) => {
    const counts: Record<string, number> = {};
    for (const item of items) counts[String(item)] = (counts[String(item)] ?? 0) + 1;
    return JSON.stringify(counts);
  };
  const answers = count(outcomes.map(({ placed }) => placed?.status ?? "none"));
  const cancels = count(outcomes.flatMap(({ cancelled }) => cancelled?.status ?? []));
  console.log(
    [
      "chaos summary",
      `  orders placed ${outcomes.length}, final answers ${answers}, cancels ${cancels}`,
      `  final states ${count(finals.values())}`,
      `  every answer ${JSON.stringify(Object.fromEntries(tally.answers))}`,
      `  retries ${tally.retries}, network errors ${JSON.stringify(Object.fromEntries(tally.networkErrors))}`,
      `  faults: ${faultTimes.join(", ")}`,
      `  time to settle after the load ${settleSeconds ?? "-"} s`,
    ].join("\n"),
  );
}
