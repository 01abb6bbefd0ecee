/**
 * 1. HTTP throughput: autocannon against a bare Fastify route, the naive order route and
 * the real `POST /orders` of the inventory service, one after the other in one run, each
 * in a process of its own, each after a discarded warm-up.
 */
import autocannon from "autocannon";
import type { BenchConfig } from "./config.js";
import { benchIdentity } from "./identity.js";
import { orderBodyJson, seedProduct } from "./orders.js";
import { type Child, type RedisTarget, startInventory, startOwnServer } from "./processes.js";

export interface HttpRow {
  label: string;
  /** Mean of autocannon's per-second request counts. */
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** 2xx answers, warm-up included: for `POST /orders`, the orders accepted. */
  accepted: number;
}

export interface HttpResult {
  bare: HttpRow;
  naive: HttpRow;
  orders: HttpRow;
}

interface Target {
  url: string;
  method: "GET" | "POST";
  body?: string;
  /** Sent to every target alike: only `POST /orders` verifies it. */
  authorization: string;
}

function cannon(target: Target, seconds: number, connections: number) {
  return autocannon({
    url: target.url,
    method: target.method,
    connections,
    duration: seconds,
    headers: {
      authorization: target.authorization,
      ...(target.body ? { "content-type": "application/json" } : {}),
    },
    ...(target.body ? { body: target.body } : {}),
  });
}

/** Runs the measured window; a caller may take readings around it (section 5 does). */
export type Around = <T>(window: () => Promise<T>) => Promise<T>;

async function measure(
  label: string,
  target: Target,
  config: BenchConfig,
  log: (line: string) => void,
  around: Around = (window) => window(),
): Promise<HttpRow> {
  const warmUp = await cannon(target, config.httpWarmupSeconds, config.httpConnections);
  const result = await around(() => cannon(target, config.httpSeconds, config.httpConnections));
  const row: HttpRow = {
    label,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    accepted: warmUp["2xx"] + result["2xx"],
  };
  log(
    `  ${label}: ${Math.round(row.perSecond)} req/s, p99 ${row.p99} ms, ${row.errors} errors, ${row.non2xx} non-2xx`,
  );
  return row;
}

async function withChild<T>(start: Promise<Child>, work: (child: Child) => Promise<T>): Promise<T> {
  const child = await start;
  try {
    return await work(child);
  } finally {
    await child.stop();
  }
}

export async function benchHttp(
  redisUrl: string,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<HttpResult> {
  const authorization = (await benchIdentity()).customer;
  const bare = await withChild(startOwnServer("bare", redisUrl), (child) =>
    measure(
      "bare Fastify hello world",
      { url: `${child.baseUrl}/`, method: "GET", authorization },
      config,
      log,
    ),
  );
  const order = { method: "POST" as const, body: orderBodyJson, authorization };
  const naive = await withChild(startOwnServer("naive", redisUrl), (child) =>
    measure("naive: zod + one MULTI", { url: `${child.baseUrl}/orders`, ...order }, config, log),
  );
  const orders = await benchOrders(redisUrl, config, log);
  return { bare, naive, orders };
}

/** What section 5 adds to a `POST /orders` run; see {@link benchOrders}. */
export interface OrdersRunOptions {
  label?: string;
  /** Wraps the measured window (not the warm-up), e.g. to read Redis CPU around it. */
  around?: Around;
  /** Runs after the measurement while inventory still runs (its outbox relay with it). */
  afterwards?: (row: HttpRow) => Promise<void>;
}

/**
 * autocannon against the real `POST /orders` of an inventory process on `redis` (a
 * single Redis, or a cluster's variables), its product seeded first.
 */
export function benchOrders(
  redis: RedisTarget,
  config: BenchConfig,
  log: (line: string) => void,
  options: OrdersRunOptions = {},
): Promise<HttpRow> {
  return withChild(startInventory(redis), async (child) => {
    const identity = await benchIdentity();
    await seedProduct(child.baseUrl, identity.catalog);
    const target = {
      url: `${child.baseUrl}/orders`,
      method: "POST" as const,
      body: orderBodyJson,
      authorization: identity.customer,
    };
    const label = options.label ?? "inventory POST /orders";
    const row = await measure(label, target, config, log, options.around);
    await options.afterwards?.(row);
    return row;
  });
}
