import { createBus, type SubscribeOptions } from "@retail/bus";
import { catalog } from "@retail/contracts";
import {
  buildApp,
  busOptionsFromConfig,
  Counter,
  createRedisClient,
  type KitApp,
  type RoutesPlugin,
  redisReadinessCheck,
  type ServiceContext,
} from "@retail/service-kit";
import type { Redis } from "ioredis";
import type { InventoryConfig } from "./config.js";
import { subscribeShipmentHandlers } from "./handlers.js";
import type { InventoryBus } from "./model.js";
import { OrderPlacement } from "./order-placement.js";
import { orderRoutes } from "./orders-routes.js";
import { OrderStore } from "./orders-store.js";
import { productRoutes } from "./products-routes.js";
import { ProductStore } from "./products-store.js";
import { OrderSaga } from "./saga.js";
import { DEMO_CATALOG } from "./seed.js";

export { configSchema, type InventoryConfig } from "./config.js";
export { stockInvariantViolations } from "./testing.js";

/** The service name: its bus publisher name, consumer group and key prefix `{inventory}`. */
export const SERVICE_NAME = "inventory";

export interface InventoryServiceOptions {
  /** From `createServiceContext({ name: "inventory", configSchema })`. */
  context: ServiceContext<InventoryConfig>;
  /** Overrides for tests: the bus's consumer name, shutdown budget and subscription defaults. */
  bus?: {
    consumerName?: string;
    shutdownTimeoutMs?: number;
    subscribeDefaults?: SubscribeOptions;
  };
}

export interface InventoryService {
  app: KitApp;
  bus: InventoryBus;
  /** The service's Redis connection (shared with its bus). */
  redis: Redis;
  /** Seed the demo catalog if configured, then start consuming shipment events. */
  start(): Promise<void>;
  /**
   * Stop the bus (running handlers finish), then quit Redis. Safe to call twice. The
   * HTTP app is closed by whoever serves it (`startService` drains it first).
   */
  close(): Promise<void>;
}

/** Build the inventory service: Redis client, bus, stores, handlers and the HTTP app. */
export async function createInventoryService(
  options: InventoryServiceOptions,
): Promise<InventoryService> {
  const { context } = options;
  const { config, logger } = context;
  const redis = createRedisClient(context);
  const bus: InventoryBus = createBus({
    service: SERVICE_NAME,
    catalog,
    redis,
    logger,
    metrics: context.metrics,
    ...busOptionsFromConfig(config),
    ...options.bus,
  });
  const products = new ProductStore(redis, bus, config.LOW_STOCK_THRESHOLD);
  const orders = new OrderStore(redis, bus);
  const placement = new OrderPlacement(redis, bus, orders, {
    lowStockThreshold: config.LOW_STOCK_THRESHOLD,
    idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    orderRetentionMs: config.ORDER_RETENTION_MS,
  });
  const saga = new OrderSaga(
    redis,
    bus,
    SERVICE_NAME,
    config.LOW_STOCK_THRESHOLD,
    config.ORDER_RETENTION_MS,
  );
  subscribeShipmentHandlers(bus, orders, saga);

  const ordersCounter = new Counter({
    name: "inventory_orders_total",
    help: "Orders placed through POST /orders, by outcome (placed or rejected)",
    labelNames: ["outcome"] as const,
    registers: [context.metrics],
  });
  const routes: RoutesPlugin = async (app) => {
    await app.register(productRoutes(products));
    await app.register(orderRoutes(orders, placement, ordersCounter));
  };
  const app = await buildApp({
    context,
    routes,
    readinessChecks: [redisReadinessCheck(redis), { name: "bus", check: () => bus.check() }],
    openapi: {
      title: "Inventory",
      version: "1.0.0",
      description: "Products, stock reservations and the orders that reserve them.",
    },
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    bus,
    redis,
    async start() {
      if (config.SEED_DEMO_CATALOG) {
        const created = await products.seed(DEMO_CATALOG);
        if (created.length > 0) logger.info({ skus: created }, "seeded the demo catalog");
        else logger.info("demo catalog already seeded");
      }
      await bus.start();
    },
    close() {
      closing ??= (async () => {
        await bus.close();
        if (redis.status !== "end") await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
