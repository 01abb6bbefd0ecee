import type { RedisClient } from "@retail/bus";
import { type ClientMonitoringService, clientMonitoringService } from "@retail/client-monitoring";
import {
  type InventoryService,
  inventoryService,
  stockInvariantViolations,
} from "@retail/inventory";
import { notificationsService } from "@retail/notifications";
import {
  ALL_SCOPES,
  authorizeInjects,
  type TestIdentity,
  testIdentity,
} from "@retail/service-kit/testing";
import { type ShippingService, shippingService } from "@retail/shipping";
import { freePort, type RedisCluster } from "@retail/testing";
import { Redis } from "ioredis";

/** A `POST /orders` body for one line, shipped to Berlin unless another country is given. */
export function orderBody(customerId: string, sku: string, quantity = 1, country = "DE") {
  return {
    customerId,
    lines: [{ sku, quantity }],
    shippingAddress: {
      name: "Erika Musterfrau",
      line1: "Hauptstr. 1",
      city: "Berlin",
      postalCode: "10115",
      country,
    },
  };
}

/**
 * Where the services' Redis is: a single server's `redis://` URL, or a Redis Cluster of
 * `@retail/testing`, which every service then reaches as in production, through
 * `REDIS_CLUSTER_NODES`.
 */
export type SystemRedis = string | RedisCluster;

/** The variables that point a service at `redis`. */
function redisEnvironment(redis: SystemRedis): Record<string, string> {
  if (typeof redis === "string") return { REDIS_URL: redis };
  const [first] = redis.nodes;
  return {
    REDIS_URL: `redis://${first?.host}:${first?.port}`,
    REDIS_CLUSTER_NODES: redis.nodes.map(({ host, port }) => `${host}:${port}`).join(","),
  };
}

/** A client of the test's own, for the checks: a `Redis`, or a `Cluster` on a cluster. */
function checkClient(redis: SystemRedis): RedisClient {
  return typeof redis === "string" ? new Redis(redis) : redis.client();
}

const fastRetries = { retry: { initialDelayMs: 10, maxDelayMs: 50 } };

/** Where the services listen, with `listen: true`: loopback only. */
const HOST = "127.0.0.1";

export interface SystemOptions {
  /** Variables per service, over this harness's defaults. */
  env?: {
    inventory?: Record<string, string>;
    shipping?: Record<string, string>;
    monitoring?: Record<string, string>;
  };
}

export interface ListeningSystemOptions extends SystemOptions {
  /**
   * Listen on ephemeral ports on 127.0.0.1: inventory allows client-monitoring's origin
   * (`CORS_ORIGINS`), and client-monitoring points its dashboard at inventory
   * (`INVENTORY_PUBLIC_URL`), so a browser can use the dashboard's order form.
   */
  listen: true;
}

/** Base URLs of the services that listen (shipping stays in-process only). */
export interface SystemUrls {
  inventory: string;
  monitoring: string;
}

/**
 * The four services, each its own Fastify app with its own bus and Redis connection,
 * in one process on one Redis (a server or a cluster) — talking only through Redis, as
 * in production. Without `listen` they answer through `app.inject()` only.
 */
export async function startSystem(
  redis: SystemRedis,
  options: ListeningSystemOptions,
): Promise<System & { urls: SystemUrls }>;
export async function startSystem(redis: SystemRedis, options?: SystemOptions): Promise<System>;
export async function startSystem(
  redis: SystemRedis,
  options: SystemOptions & { listen?: boolean } = {},
): Promise<System & { urls?: SystemUrls }> {
  const listen = options.listen === true;
  // The test process's identity provider: the services trust its public key set.
  const identity = await testIdentity();
  /** Environment shared by the services in these tests. */
  const environment = (extra: Record<string, string>): Record<string, string> => ({
    ...redisEnvironment(redis),
    AUTH_JWKS_FILE: identity.jwksFile,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...extra,
  });
  // Each needs the other's address: reserve monitoring's port first, so inventory can
  // allow its origin before inventory itself listens on any free port.
  const monitoringPort = listen ? await freePort(HOST) : 0;
  const monitoringUrl = `http://${HOST}:${monitoringPort}`;

  const inventory = await inventoryService.create({
    env: environment({
      SEED_DEMO_CATALOG: "false",
      LOW_STOCK_THRESHOLD: "2",
      ...(listen ? { CORS_ORIGINS: monitoringUrl } : {}),
      ...options.env?.inventory,
    }),
    bus: { shutdownTimeoutMs: 2_000, subscribeDefaults: fastRetries },
  });
  const inventoryUrl = listen
    ? await inventory.app.listen({ host: HOST, port: 0 })
    : "http://localhost:3001";

  const shipping = await shippingService.create({
    env: environment({
      // slow enough that a cancel right after placing comes before the dispatch
      SHIPPING_DISPATCH_DELAY_MS: "1500",
      SHIPPING_DELIVERY_DELAY_MS: "100",
      SHIPPING_TIMER_POLL_MS: "50",
      ...options.env?.shipping,
    }),
    bus: { shutdownTimeoutMs: 2_000, subscribeDefaults: fastRetries },
  });
  const monitoring = await clientMonitoringService.create({
    env: environment({
      ...(listen ? { INVENTORY_PUBLIC_URL: inventoryUrl } : {}),
      ...options.env?.monitoring,
    }),
    bus: { subscribeDefaults: fastRetries },
  });
  const notifications = await notificationsService.create({
    env: environment({}),
    bus: { subscribeDefaults: fastRetries },
  });
  if (listen) await monitoring.app.listen({ host: HOST, port: monitoringPort });
  await Promise.all([
    inventory.start(),
    shipping.start(),
    monitoring.start(),
    notifications.start(),
  ]);
  const checks = checkClient(redis);
  // Staff that may do anything, for every inject without a token of its own: the saga
  // tests are about the saga; a test about who may do what passes its own header.
  const staff = await identity.bearer(STAFF, ALL_SCOPES);
  for (const app of [inventory.app, shipping.app, monitoring.app, notifications.app])
    authorizeInjects(app, staff);

  return {
    identity,
    inventory: inventory.app,
    shipping: shipping.app,
    monitoring: monitoring.app,
    ...(listen ? { urls: { inventory: inventoryUrl, monitoring: monitoringUrl } } : {}),
    async product(sku, available, priceCents = 1_000) {
      const response = await inventory.app.inject({
        method: "PUT",
        url: `/products/${sku}`,
        payload: { name: `Product ${sku}`, priceCents, available },
      });
      return response.statusCode;
    },
    /** Lines describing every broken stock invariant; empty when all hold. */
    invariantViolations: () => stockInvariantViolations(checks),
    async close() {
      await Promise.all([
        inventory.close(),
        shipping.close(),
        monitoring.close(),
        notifications.close(),
      ]);
      // inventory.close() and shipping.close() closed their apps too
      await monitoring.app.close();
      checks.disconnect();
    },
  };
}

/** The subject of the staff token the harness's injects carry by default. */
export const STAFF = "e2e-staff";

export interface System {
  /**
   * The identity provider the services trust (`AUTH_JWKS_FILE`): `identity.bearer(subject,
   * scopes)` for a request of someone in particular. Injects without an `authorization`
   * header carry a staff token with every scope.
   */
  identity: TestIdentity;
  inventory: InventoryService["app"];
  shipping: ShippingService["app"];
  monitoring: ClientMonitoringService["app"];
  /** Create or replace a product with `available` units (PUT /products/:sku); resolves to the status. */
  product(sku: string, available: number, priceCents?: number): Promise<number>;
  /** Lines describing every broken stock invariant; empty when all hold. */
  invariantViolations(): Promise<string[]>;
  close(): Promise<void>;
}
