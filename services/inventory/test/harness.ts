import { type Bus, createBus, type Envelope, type PublishOptions } from "@retail/bus";
import { catalog, type RetailCatalog, type RetailTopicName } from "@retail/contracts";
import type { Env } from "@retail/service-kit";
import {
  ALL_SCOPES,
  authorizeInjects,
  testIdentity,
  topicEvents,
} from "@retail/service-kit/testing";
import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { type InventoryService, inventoryService } from "../src/service.js";
import { stockInvariantViolations } from "../src/testing.js";

/** The subject of the token every test request carries unless it sends its own. */
export const STAFF = "staff";

/** What `app.inject` resolves to, as far as the tests look at it. */
export interface Reply {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  json<T = unknown>(): T;
}

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Waits for a condition with room for a loaded 2-core machine. */
export const WAIT = { timeout: 15_000, interval: 20 } as const;

/**
 * One Redis container for the test file, flushed before each test; inventory services
 * and stand-in publisher buses that are closed after each test.
 */
export function useInventoryTestbed() {
  const redis = useRedisServer();
  const services: InventoryService[] = [];
  const buses: Bus<RetailCatalog>[] = [];
  const clients: Redis[] = [];

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await Promise.all(services.splice(0).map((service) => service.close()));
    for (const client of clients.splice(0)) client.disconnect();
  });

  async function created(env: Env): Promise<InventoryService> {
    const identity = await testIdentity();
    const service = await inventoryService.create({
      env: {
        PORT: "0",
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
        REDIS_URL: redis().url,
        SEED_DEMO_CATALOG: "false",
        AUTH_JWKS_FILE: identity.jwksFile,
        ...env,
      },
      bus: {
        shutdownTimeoutMs: 2_000,
        subscribeDefaults: { retry: { initialDelayMs: 10, maxDelayMs: 50 } },
      },
    });
    services.push(service);
    // Tests are about orders and stock, not tokens: a request without its own
    // authorization header is staff's, with every scope (access tests send their own).
    authorizeInjects(service.app, await identity.bearer(STAFF, ALL_SCOPES));
    return service;
  }

  return {
    redis,
    /** A started inventory service (no demo catalog unless `env` asks for it). */
    async service(env: Env = {}): Promise<InventoryService> {
      const service = await created(env);
      await service.start();
      return service;
    },
    /**
     * An inventory service built but not started: its routes answer, its handlers read
     * nothing, so a test's own bus can handle shipment events in the `inventory` group.
     */
    created: (env: Env = {}) => created(env),
    /** A bus publishing as `service` (e.g. "shipping", as a stand-in for that service). */
    bus(service: string): Bus<RetailCatalog> {
      const bus = createBus({ service, catalog, redis: redis().url, logger: testLogger });
      buses.push(bus);
      return bus;
    },
    /** A plain client on the test Redis. */
    client(): Redis {
      const client = redis().client();
      clients.push(client);
      return client;
    },
  };
}

/** Every event of a topic still in its streams, over all partitions, oldest first per partition. */
export async function eventsOf<T extends RetailTopicName>(
  redis: Redis,
  topic: T,
): Promise<Envelope<Record<string, unknown>>[]> {
  return (await topicEvents(redis, topic)) as Envelope<Record<string, unknown>>[];
}

/** Assert the stock invariants hold for everything in Redis. */
export async function expectStockInvariant(redis: Redis): Promise<void> {
  expect(await stockInvariantViolations(redis)).toEqual([]);
}

export const ADDRESS = {
  name: "Ada Lovelace",
  line1: "12 St James's Square",
  city: "London",
  postalCode: "SW1Y 4JH",
  country: "GB",
} as const;

export function orderBody(lines: { sku: string; quantity: number }[], customerId = "customer-1") {
  return { customerId, lines, shippingAddress: ADDRESS };
}

/** Create a product through the API. */
export async function putProduct(
  service: InventoryService,
  sku: string,
  available: number,
  priceCents = 1_000,
  extra: { lowStockThreshold?: number; name?: string } = {},
): Promise<Reply> {
  const response = await service.app.inject({
    method: "PUT",
    url: `/products/${sku}`,
    payload: { name: extra.name ?? `Product ${sku}`, priceCents, available, ...extra },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

/** Place an order (for `customerId`, as staff unless `headers` carry another authorization). */
export async function placeOrder(
  service: InventoryService,
  lines: { sku: string; quantity: number }[],
  headers: Record<string, string> = {},
  customerId?: string,
): Promise<Reply> {
  return service.app.inject({
    method: "POST",
    url: "/orders",
    payload: orderBody(lines, customerId),
    headers,
  });
}

export async function getProduct(service: InventoryService, sku: string) {
  const response = await service.app.inject({ method: "GET", url: `/products/${sku}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    sku: string;
    available: number;
    reserved: number;
    shipped: number;
    received: number;
  };
}

export async function getOrder(service: InventoryService, orderId: string) {
  const response = await service.app.inject({ method: "GET", url: `/orders/${orderId}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    orderId: string;
    customerId: string;
    status: string;
    reservation: string;
    shipmentId?: string;
    reason?: string;
    cancel?: string;
    cancelReason?: string;
    cancelRefused?: string;
  };
}

const now = () => new Date().toISOString();
const parcel = { carrier: "dhl", trackingNumber: "JD0001" };

/**
 * Shipping's events for one order (shipment `shp-<orderId>`), published by a stand-in
 * for the shipping service (`testbed.bus("shipping")`) with the order id as correlation
 * id; `options` (e.g. a traceparent) over that.
 */
export function shipmentOf(
  shipping: Bus<RetailCatalog>,
  orderId: string,
  options: PublishOptions = {},
) {
  const shipmentId = `shp-${orderId}`;
  const published = { correlationId: orderId, ...options };
  return {
    created: () =>
      shipping.publish(
        "shipment.created",
        { shipmentId, orderId, ...parcel, destinationCountry: "GB", createdAt: now() },
        published,
      ),
    dispatched: (eventId?: string) =>
      shipping.publish(
        "shipment.dispatched",
        { shipmentId, orderId, ...parcel, dispatchedAt: now() },
        eventId === undefined ? published : { ...published, eventId },
      ),
    delivered: () =>
      shipping.publish(
        "shipment.delivered",
        { shipmentId, orderId, ...parcel, deliveredAt: now() },
        published,
      ),
    failed: (reason = "unsupported_country") =>
      shipping.publish(
        "shipment.failed",
        { shipmentId, orderId, reason, failedAt: now() },
        published,
      ),
    cancelled: (reason = "order_cancelled") =>
      shipping.publish(
        "shipment.cancelled",
        { shipmentId, orderId, reason, cancelledAt: now() },
        published,
      ),
    refused: (status: "dispatched" | "delivered" = "dispatched") =>
      shipping.publish(
        "shipment.cancel-refused",
        { shipmentId, orderId, reason: "already_dispatched", status, refusedAt: now() },
        published,
      ),
  };
}

/**
 * Cancel an order the way the saga does: ask inventory (202), then `shipping` (a
 * stand-in bus) answers with shipment.cancelled; resolves once the order is cancelled.
 */
export async function cancelOrder(
  service: InventoryService,
  shipping: Bus<RetailCatalog>,
  orderId: string,
  reason?: string,
): Promise<void> {
  const response = await service.app.inject({
    method: "POST",
    url: `/orders/${orderId}/cancel`,
    ...(reason === undefined ? {} : { payload: { reason } }),
  });
  expect(response.statusCode, response.body).toBe(202);
  await shipmentOf(shipping, orderId).cancelled();
  await vi.waitFor(
    async () => expect((await getOrder(service, orderId)).status).toBe("cancelled"),
    WAIT,
  );
}
