import { catalog } from "@retail/contracts";
import { createLogger } from "@retail/service-kit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  type MonitoringStubOptions,
  type RecordedRequest,
  STUB_KEYS_DIR,
  STUB_PRODUCTS,
  type StubServer,
  startInventoryStub,
  startMonitoringStub,
} from "../test/stub-services.js";
import { parseConfig } from "./config.js";
import { createLoadgen, type Loadgen } from "./loadgen.js";
import { SUPPORTED_PLACES, UNSUPPORTED_PLACES } from "./orders.js";

const telemetryEvents = catalog["client.telemetry"].schema.shape.events;
const SKUS = new Set(STUB_PRODUCTS.map((product) => product.sku));
const WAIT = { timeout: 20_000, interval: 20 };

/** `POST /orders` as inventory's README defines it. */
const orderBody = z.strictObject({
  customerId: z.string().regex(/^[\x21-\x7e]{1,128}$/),
  lines: z
    .array(
      z.strictObject({
        sku: z.string().refine((sku) => SKUS.has(sku), "a SKU of the product list"),
        quantity: z.int().min(1).max(1_000_000),
      }),
    )
    .min(1)
    .max(3)
    .refine((lines) => new Set(lines.map((line) => line.sku)).size === lines.length),
  shippingAddress: z.strictObject({
    name: z.string().min(1).max(200),
    line1: z.string().min(1).max(200),
    city: z.string().min(1).max(100),
    postalCode: z.string().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/),
  }),
});

const heartbeatBody = z.strictObject({
  app: z.enum(["till", "web-shop", "mobile"]),
  version: z.string().min(1).max(64),
});

const UNSUPPORTED = new Set(UNSUPPORTED_PLACES.map((place) => place.country));
const SUPPORTED = new Set(SUPPORTED_PLACES.map((place) => place.country));

/** A fast fleet: high rates and short intervals, so every behaviour shows within a second. */
const FAST: Record<string, string> = {
  LOG_LEVEL: "silent",
  ORDERS_PER_SECOND: "200",
  TILLS: "2",
  WEB_SHOPS: "1",
  MOBILE_APPS: "1",
  HEARTBEAT_INTERVAL_MS: "20",
  TELEMETRY_INTERVAL_MS: "20",
  PRODUCTS_REFRESH_MS: "50",
  UNSUPPORTED_COUNTRY_SHARE: "0.3",
  LARGE_ORDER_SHARE: "0.2",
  CANCEL_SHARE: "0.3",
  QUIET_CHANCE: "0",
  HTTP_RETRY_BASE_MS: "5",
  REQUEST_TIMEOUT_MS: "5000",
  SUMMARY_INTERVAL_MS: "50",
  STOP_TIMEOUT_MS: "5000",
  SEED: "loadgen-test",
  AUTH_KEYS_DIR: STUB_KEYS_DIR,
};

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  loadgen: Loadgen;
  inventory: Awaited<ReturnType<typeof startInventoryStub>>;
  monitoring: StubServer;
  logs: Record<string, unknown>[];
}

async function setup(
  env: Record<string, string> = {},
  stubs: {
    inventory?: Parameters<typeof startInventoryStub>[0];
    monitoring?: MonitoringStubOptions;
  } = {},
): Promise<Setup> {
  const inventory = await startInventoryStub(stubs.inventory);
  cleanups.push(() => inventory.close());
  const monitoring = await startMonitoringStub(stubs.monitoring);
  cleanups.push(() => monitoring.close());
  const config = parseConfig({
    ...FAST,
    INVENTORY_URL: inventory.url,
    MONITORING_URL: `${monitoring.url}/`,
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: "loadgen",
    level: "info",
    destination: {
      write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>),
    },
  });
  const loadgen = createLoadgen(config, { logger });
  cleanups.push(() => loadgen.stop());
  return { loadgen, inventory, monitoring, logs };
}

const posts = (stub: StubServer, pattern: RegExp): RecordedRequest[] =>
  stub.requests.filter((request) => request.method === "POST" && pattern.test(request.path));

const activeTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

describe("createLoadgen", () => {
  it("sends valid heartbeats from every client app, after client-monitoring is ready", async () => {
    const { loadgen, monitoring } = await setup({}, { monitoring: { notReadyLooks: 2 } });
    await loadgen.start();

    expect(loadgen.clients.map((client) => client.clientId)).toEqual([
      "till-1",
      "till-2",
      "web-shop-1",
      "mobile-1",
    ]);
    await vi.waitFor(() => {
      for (const { clientId } of loadgen.clients) {
        expect(
          posts(monitoring, new RegExp(`^/clients/${clientId}/heartbeat$`)).length,
        ).toBeGreaterThanOrEqual(3);
      }
    }, WAIT);
    await loadgen.stop();

    const heartbeats = posts(monitoring, /\/heartbeat$/);
    for (const heartbeat of heartbeats) {
      const body = heartbeatBody.parse(heartbeat.body);
      const clientId = heartbeat.path.split("/")[2] ?? "";
      expect(clientId.startsWith(`${body.app}-`)).toBe(true);
      expect(heartbeat.headers["content-type"]).toBe("application/json");
    }
    const readyLooks = monitoring.requests.filter((request) => request.path === "/health/ready");
    expect(readyLooks.map((look) => look.status)).toEqual([503, 503, 200]);
    const firstHeartbeat = monitoring.requests.findIndex((request) =>
      request.path.endsWith("/heartbeat"),
    );
    expect(firstHeartbeat).toBeGreaterThan(
      monitoring.requests.indexOf(readyLooks[2] as RecordedRequest),
    );
    expect(loadgen.stats().heartbeatsSent).toBe(heartbeats.length);
  });

  it("sends telemetry batches that the client.telemetry contract accepts", async () => {
    const { loadgen, monitoring } = await setup({ ORDERS_PER_SECOND: "0" });
    await loadgen.start();

    const types = new Set<string>();
    await vi.waitFor(() => {
      for (const batch of posts(monitoring, /^\/telemetry$/)) {
        for (const event of (batch.body as { events: { type: string }[] }).events)
          types.add(event.type);
      }
      expect([...types].sort()).toEqual(["error", "log", "metric", "pageview"]);
    }, WAIT);
    await loadgen.stop();

    const clients = new Map(loadgen.clients.map((client) => [client.clientId, client.app]));
    for (const batch of posts(monitoring, /^\/telemetry$/)) {
      const body = z
        .strictObject({ clientId: z.string(), app: z.string(), events: telemetryEvents })
        .parse(batch.body);
      expect(clients.get(body.clientId)).toBe(body.app);
      const times = body.events.map((event) => event.at);
      expect(times).toEqual([...times].sort());
    }
    expect(loadgen.stats().telemetryBatches).toBeGreaterThan(0);
  });

  it("places valid orders with Idempotency-Keys, some to unsupported countries, some out of stock", async () => {
    const { loadgen, inventory, logs } = await setup();
    await loadgen.start();

    await vi.waitFor(() => {
      const orders = posts(inventory, /^\/orders$/);
      expect(orders.length).toBeGreaterThanOrEqual(40);
      const countries = orders.map(
        (order) => (order.body as { shippingAddress: { country: string } }).shippingAddress.country,
      );
      expect(countries.some((country) => UNSUPPORTED.has(country))).toBe(true);
      expect(countries.some((country) => SUPPORTED.has(country))).toBe(true);
      expect(orders.some((order) => order.status === 409)).toBe(true);
      expect(logs.some((line) => line.msg === "summary")).toBe(true);
    }, WAIT);
    await loadgen.stop();

    const orders = posts(inventory, /^\/orders$/);
    const keys = new Set<string>();
    for (const order of orders) {
      const body = orderBody.parse(order.body);
      for (const line of body.lines) {
        expect(line.quantity <= 3 || (line.quantity >= 20 && line.quantity <= 40)).toBe(true);
      }
      const key = order.headers["idempotency-key"];
      expect(key).toMatch(/^[\x21-\x7e]{1,200}$/);
      keys.add(String(key));
    }
    expect(keys.size).toBe(orders.length); // one key per order (nothing was retried here)

    const stats = loadgen.stats();
    expect(stats.ordersPlaced).toBe(orders.filter((order) => order.status === 201).length);
    expect(stats.ordersRejected).toBe(orders.filter((order) => order.status === 409).length);
    expect(stats.ordersFailed).toBe(0);
    expect(stats.ordersToUnsupportedCountry).toBeGreaterThan(0);
    expect(logs.filter((line) => line.msg === "order placed")).toHaveLength(stats.ordersPlaced);
    expect(logs.filter((line) => line.msg === "order rejected: out of stock")).toHaveLength(
      stats.ordersRejected,
    );
  });

  it("asks to cancel some just-placed orders (202) and restocks low SKUs", async () => {
    const { loadgen, inventory } = await setup();
    await loadgen.start();

    await vi.waitFor(() => {
      expect(posts(inventory, /^\/orders\/[^/]+\/cancel$/).length).toBeGreaterThanOrEqual(3);
      expect(posts(inventory, /^\/products\/[^/]+\/restock$/).length).toBeGreaterThanOrEqual(2);
    }, WAIT);
    await loadgen.stop();

    for (const cancel of posts(inventory, /\/cancel$/)) {
      const orderId = decodeURIComponent(cancel.path.split("/")[2] ?? "");
      expect(inventory.placed.has(orderId)).toBe(true);
      expect(cancel.status).toBe(202);
    }
    for (const restock of posts(inventory, /\/restock$/)) {
      // Only the SKU at or below RESTOCK_BELOW (5): WATCH-SMART-S2 with 2 available.
      expect(restock.path).toBe("/products/WATCH-SMART-S2/restock");
      const { quantity } = z.strictObject({ quantity: z.int() }).parse(restock.body);
      expect(quantity).toBeGreaterThanOrEqual(40);
      expect(quantity).toBeLessThanOrEqual(120);
    }
    expect(loadgen.stats().cancelsRequested).toBe(posts(inventory, /\/cancel$/).length);
    expect(loadgen.stats().restocks).toBe(posts(inventory, /\/restock$/).length);
    expect(loadgen.products().map((product) => product.sku)).toEqual(
      STUB_PRODUCTS.map((p) => p.sku),
    );
  });

  it("retries an order whose connection broke, with the same Idempotency-Key", async () => {
    const { loadgen, inventory, logs } = await setup(
      { ORDERS_PER_SECOND: "20", HTTP_MAX_ATTEMPTS: "6" },
      { inventory: { dropOrders: 3 } },
    );
    await loadgen.start();

    await vi.waitFor(() => {
      const orders = posts(inventory, /^\/orders$/);
      const answered = new Set(
        orders.filter((order) => !order.dropped).map((o) => o.headers["idempotency-key"]),
      );
      const dropped = orders.filter((order) => order.dropped);
      expect(dropped).toHaveLength(3);
      for (const order of dropped)
        expect(answered.has(order.headers["idempotency-key"])).toBe(true);
    }, WAIT);
    await loadgen.stop();

    expect(loadgen.stats().retries).toBeGreaterThanOrEqual(3);
    expect(loadgen.stats().ordersFailed).toBe(0);
    expect(logs.filter((line) => line.msg === "retrying").length).toBe(loadgen.stats().retries);
  });

  it("lets a client go quiet for a while and come back", async () => {
    const { loadgen, monitoring, logs } = await setup({
      ORDERS_PER_SECOND: "0",
      TILLS: "3",
      WEB_SHOPS: "0",
      MOBILE_APPS: "0",
      QUIET_CHANCE: "0.5",
      QUIET_DURATION_MS: "60",
      MAX_QUIET_CLIENTS: "1",
    });
    await loadgen.start();

    await vi.waitFor(() => {
      expect(loadgen.stats().quietSpellsEnded).toBeGreaterThanOrEqual(3);
    }, WAIT);
    await loadgen.stop();

    // A quiet spell's client sends nothing until it comes back; at most one is quiet at once.
    let quiet: string | undefined;
    for (const line of logs) {
      if (line.msg === "client goes quiet") {
        expect(quiet).toBeUndefined();
        quiet = line.clientId as string;
      } else if (line.msg === "client sends again") {
        expect(line.clientId).toBe(quiet);
        quiet = undefined;
      }
    }
    expect(loadgen.stats().quietSpells).toBeGreaterThanOrEqual(loadgen.stats().quietSpellsEnded);
    for (const till of ["till-1", "till-2", "till-3"]) {
      expect(posts(monitoring, new RegExp(`^/clients/${till}/heartbeat$`)).length).toBeGreaterThan(
        0,
      );
    }
  });

  it("places no orders with ORDERS_PER_SECOND=0", async () => {
    const { loadgen, inventory, monitoring } = await setup({ ORDERS_PER_SECOND: "0" });
    await loadgen.start();
    await vi.waitFor(() => {
      expect(posts(monitoring, /\/heartbeat$/).length).toBeGreaterThanOrEqual(8);
    }, WAIT);
    await loadgen.stop();

    expect(inventory.requests.map((request) => request.path)).toEqual(["/health/ready"]);
  });

  it("stop() waits for requests in flight, then leaves no timer behind", async () => {
    const timersBefore = activeTimers();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { loadgen, monitoring, logs } = await setup({}, { monitoring: { holdHeartbeats: held } });
    await loadgen.start();
    await vi.waitFor(() => {
      expect(posts(monitoring, /\/heartbeat$/).length).toBeGreaterThanOrEqual(2);
    }, WAIT);

    let stopped = false;
    const stopping = loadgen.stop().then(() => {
      stopped = true;
    });
    expect(stopped).toBe(false);
    release();
    await stopping;
    await loadgen.finished;

    // The held heartbeats were answered, not aborted, and counted.
    const heartbeats = posts(monitoring, /\/heartbeat$/);
    expect(loadgen.stats().heartbeatsSent).toBe(heartbeats.length);
    expect(logs.find((line) => line.msg === "loadgen stopped")?.abortedRequests).toBe(0);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });

  it("stop() aborts requests still in flight after STOP_TIMEOUT_MS", async () => {
    const { loadgen, monitoring, logs } = await setup(
      { STOP_TIMEOUT_MS: "50", ORDERS_PER_SECOND: "0" },
      { monitoring: { holdHeartbeats: new Promise<void>(() => {}) } },
    );
    await loadgen.start();
    await vi.waitFor(() => {
      expect(posts(monitoring, /\/heartbeat$/).length).toBeGreaterThanOrEqual(1);
    }, WAIT);
    await loadgen.stop();

    const stopped = logs.find((line) => line.msg === "loadgen stopped");
    expect(stopped?.abortedRequests).toBeGreaterThanOrEqual(1);
    expect(loadgen.stats().heartbeatsSent).toBe(0);
    expect(loadgen.stats().heartbeatsFailed).toBe(0);
  });

  it("ends the run by itself after DURATION_MS", async () => {
    const timersBefore = activeTimers();
    const { loadgen, inventory, logs } = await setup({ DURATION_MS: "300" });
    await loadgen.start();
    await loadgen.finished;

    expect(logs.some((line) => line.msg === "duration over")).toBe(true);
    expect(logs.at(-1)?.msg).toBe("loadgen stopped");
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    const requests = inventory.requests.length;
    await loadgen.stop(); // a no-op now
    expect(inventory.requests).toHaveLength(requests);
  });

  it("fails to start, and stops, when a service is never ready", async () => {
    const { loadgen } = await setup(
      { READY_TIMEOUT_MS: "100" },
      { inventory: { notReadyLooks: 1_000 } },
    );
    await expect(loadgen.start()).rejects.toThrow(
      /inventory .* not ready after \d+ ms: status 503/,
    );
    await loadgen.finished;
    expect(loadgen.stats().heartbeatsSent).toBe(0);
  });

  it("stops while still waiting for the services", async () => {
    const { loadgen, monitoring } = await setup({}, { monitoring: { notReadyLooks: 1_000 } });
    const starting = loadgen.start();
    await vi.waitFor(() => {
      expect(monitoring.requests.length).toBeGreaterThanOrEqual(2);
    }, WAIT);
    await loadgen.stop();
    await starting;
    expect(posts(monitoring, /\/heartbeat$/)).toEqual([]);
  });
});
