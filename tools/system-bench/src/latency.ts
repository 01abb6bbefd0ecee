/**
 * 2. Order → shipment-created latency: inventory and shipping as child processes; this
 * process places orders open-loop at fixed rates and watches `shipment.created` for each
 * order. Latency = the entry's arrival here − the order's due time, one clock.
 */
import { setTimeout as delay } from "node:timers/promises";
import { pollUntil } from "@retail/testing";
import type { BenchConfig } from "./config.js";
import { orderClient } from "./http-client.js";
import { benchIdentity } from "./identity.js";
import { percentile } from "./lib.js";
import { seedProduct } from "./orders.js";
import { type RedisTarget, startInventory, startService } from "./processes.js";
import { dueAt, dueCount, ordersIn } from "./schedule.js";
import { watchTopic } from "./stream-watcher.js";

export interface LatencyRow {
  rate: number;
  /** Orders the schedule called for. */
  scheduled: number;
  /** Orders placed per second, measured over the sending window. */
  achievedRate: number;
  /** Orders whose `POST /orders` did not answer 201. */
  failed: number;
  /** Orders placed whose shipment.created never arrived within the drain time. */
  lost: number;
  /** Placed order → shipment.created. */
  p50: number;
  p99: number;
  max: number;
  /** `POST /orders` response time from the due time. */
  httpP50: number;
  httpP99: number;
}

/** How long to wait after the last send for stragglers before counting them lost. */
const DRAIN_MS = 15_000;

/** One open-loop run's size: `rate` orders/s for `seconds`, at most `sockets` in flight. */
export interface RateRun {
  rate: number;
  seconds: number;
  sockets: number;
}

/**
 * Place orders at `run.rate` through inventory at `inventoryUrl` and time each one's
 * `shipment.created`, read at `watchAddress` (a URL, or a cluster's `host:port,…`).
 */
export async function runRate(
  inventoryUrl: string,
  watchAddress: string,
  run: RateRun,
): Promise<LatencyRow> {
  const { rate } = run;
  const total = ordersIn(run.seconds, rate);
  const dueByOrder = new Map<string, number>();
  const arrivedEarly = new Map<string, number>();
  const latencies: number[] = [];
  const httpTimes: number[] = [];
  let failed = 0;
  let placed = 0;
  const record = (orderId: string, due: number, arrived: number) => {
    latencies.push(arrived - due);
    dueByOrder.delete(orderId);
    arrivedEarly.delete(orderId);
  };
  const watcher = await watchTopic(watchAddress, "shipment.created", (orderId, arrivedAt) => {
    const due = dueByOrder.get(orderId);
    if (due === undefined) arrivedEarly.set(orderId, arrivedAt);
    else record(orderId, due, arrivedAt);
  });
  const client = orderClient(inventoryUrl, run.sockets, (await benchIdentity()).customer);
  const pending: Promise<void>[] = [];
  try {
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = dueCount(performance.now() - start, rate, total);
      for (; sent < due; sent++) {
        const dueTime = start + dueAt(sent, rate);
        pending.push(
          client.place().then((result) => {
            const answered = performance.now();
            httpTimes.push(answered - dueTime);
            if (!result.ok) {
              failed++;
              return;
            }
            placed++;
            const early = arrivedEarly.get(result.orderId);
            if (early === undefined) dueByOrder.set(result.orderId, dueTime);
            else record(result.orderId, dueTime, early);
          }),
        );
      }
      // 1 ms ticks: at 1 000/s one or two orders are due per tick.
      await delay(1);
    }
    const sendingMs = performance.now() - start;
    await Promise.all(pending);
    await pollUntil(
      "every placed order's shipment.created",
      () => (latencies.length >= placed ? true : undefined),
      { timeoutMs: DRAIN_MS, intervalMs: 50 },
    ).catch(() => undefined);
    latencies.sort((a, b) => a - b);
    httpTimes.sort((a, b) => a - b);
    return {
      rate,
      scheduled: total,
      achievedRate: (total * 1_000) / sendingMs,
      failed,
      lost: placed - latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      httpP50: percentile(httpTimes, 50),
      httpP99: percentile(httpTimes, 99),
    };
  } finally {
    client.close();
    await watcher.stop();
  }
}

/**
 * Inventory and shipping as child processes on `redis`, the benchmark product seeded;
 * `work` gets inventory's base URL, and both stop when it ends.
 */
export async function withOrderServices<T>(
  redis: RedisTarget,
  work: (inventoryUrl: string) => Promise<T>,
): Promise<T> {
  const inventory = await startInventory(redis);
  try {
    const shipping = await startService("shipping", redis);
    try {
      await seedProduct(inventory.baseUrl, (await benchIdentity()).catalog);
      return await work(inventory.baseUrl);
    } finally {
      await shipping.stop();
    }
  } finally {
    await inventory.stop();
  }
}

/** The one line a latency run prints. */
export function latencyLine(label: string, row: LatencyRow): string {
  return `  ${label}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, lost ${row.lost}, failed ${row.failed}`;
}

export async function benchLatency(
  redisUrl: string,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<LatencyRow[]> {
  return withOrderServices(redisUrl, async (inventoryUrl) => {
    const rows: LatencyRow[] = [];
    for (const rate of config.latencyRates) {
      const run = { rate, seconds: config.latencySeconds, sockets: config.latencySockets };
      const row = await runRate(inventoryUrl, redisUrl, run);
      log(latencyLine(`${rate}/s`, row));
      rows.push(row);
    }
    return rows;
  });
}
