// Orders at a steady rate while faults run one after another under them, then what
// must hold after any such run: every accepted order settled as it may end, with its
// one shipment, the stock invariant kept, no 5xx but 503. The chaos test (each service
// SIGKILLed, Redis stopped) and the cluster failover test (a master killed) share it.

import type { RedisClient } from "@retail/bus";
import { stockInvariantViolations } from "@retail/inventory/testing";
import { expect } from "vitest";
import { expectedFinals, type Outcome, placeAndMaybeCancel, planOf } from "./chaos-orders.js";
import {
  FINAL_ORDER_STATUSES,
  type ShipmentView,
  shipmentDisagreement,
  shipmentIdsByOrder,
} from "./checks.js";
import { atSteadyRate, request, Tally, untilAnswered } from "./load.js";
import { URLS, waitUntil } from "./stack.js";

const INVENTORY = URLS.inventory;
const ORDERS_PER_SECOND = 20;
/** Orders between two faults, and after the last one: every fault hits orders in flight. */
const ORDERS_BETWEEN_FAULTS = 40;
/** A bound on the load, however long the faults take. */
const MAX_ORDERS = 1_200;

/** A fault by name: it returns once the stack has recovered from it. */
export type Fault = readonly [name: string, run: () => Promise<void>];

export interface FaultRun {
  /** The faults, one after another, each after `ORDERS_BETWEEN_FAULTS` more orders; none: just the load. */
  faults: (tally: Tally) => readonly Fault[];
  /** Redis for the checks (events, stock), asked for once the load is over: Redis is back by then. */
  connect: () => Promise<RedisClient>;
  /** The first order's index: runs against one stack need distinct ones (they key the orders' Idempotency-Keys). Default 0. */
  firstIndex?: number;
}

/** What the run saw, for the summary: filled in as the test goes. */
interface Run {
  tally: Tally;
  outcomes: Outcome[];
  faultTimes: string[];
  finals: Map<string, string>;
  settleSeconds?: number;
}

/**
 * Stock the run's products, place orders through the faults, and expect every
 * accepted order settled as it may end, with its one shipment (in the events and the
 * API), the stock invariant kept and no 5xx but 503. Prints a summary, also on failure.
 */
export async function ordersThroughFaults(options: FaultRun): Promise<void> {
  const run: Run = { tally: new Tally(), outcomes: [], faultTimes: [], finals: new Map() };
  let redis: RedisClient | undefined;
  try {
    for (const [sku, available] of [
      ["CHAOS-PLENTY", 100_000],
      ["CHAOS-EMPTY", 0],
    ] as const) {
      const body = { name: sku, priceCents: 999, available };
      const put = await request(run.tally, "PUT", `${INVENTORY}/products/${sku}`, body);
      expect(put?.status).toBeLessThan(300);
    }

    await loadThroughFaults(run, options);
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

    redis = await options.connect();
    expect(await shipmentProblems(run, accepted, redis)).toEqual([]);
    expect(await stockInvariantViolations(redis)).toEqual([]);
    expect(run.tally.serverErrorsBut503()).toEqual([]);
  } finally {
    redis?.disconnect();
    printSummary(run);
  }
}

/** Orders at a steady rate while the faults run one after another, and a little after. */
async function loadThroughFaults(run: Run, options: FaultRun): Promise<void> {
  const firstIndex = options.firstIndex ?? 0;
  let sent = 0;
  let loadEndsAt = MAX_ORDERS;
  const chaos = (async () => {
    for (const [name, fault] of options.faults(run.tally)) {
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
      return placeAndMaybeCancel(run.tally, planOf(firstIndex + index));
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
async function shipmentProblems(run: Run, accepted: readonly Outcome[], redis: RedisClient) {
  const problems: string[] = [];
  const idsByOrder = await shipmentIdsByOrder(redis);
  const shipping = URLS.shipping;
  await inBatches(accepted, async ({ placed }) => {
    const orderId: string = placed?.body.orderId;
    const ids = idsByOrder.get(orderId) ?? new Set();
    const listed = await untilAnswered(
      run.tally,
      "GET",
      `${shipping}/shipments?orderId=${orderId}`,
    );
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
      "orders through faults: summary",
      `  orders placed ${outcomes.length}, final answers ${answers}, cancels ${cancels}`,
      `  final states ${count(finals.values())}`,
      `  every answer ${JSON.stringify(Object.fromEntries(tally.answers))}`,
      `  retries ${tally.retries}, network errors ${JSON.stringify(Object.fromEntries(tally.networkErrors))}`,
      `  faults: ${faultTimes.join(", ") || "none"}`,
      `  time to settle after the load ${settleSeconds ?? "-"} s`,
    ].join("\n"),
  );
}
