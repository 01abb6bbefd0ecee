import { type Bus, type BusOptions, createBus } from "@retail/bus";
import { catalog, type RetailCatalog } from "@retail/contracts";
import {
  type BaseConfig,
  buildApp,
  busOptionsFromConfig,
  Counter,
  createRedisClient,
  createServiceContext,
  type Env,
  type KitApp,
  redisReadinessCheck,
  type ServiceContext,
} from "@retail/service-kit";
import { configSchema, type ShippingEnvConfig } from "./config.js";
import { subscribeHandlers } from "./handlers.js";
import { SERVICE_NAME } from "./keys.js";
import { shipmentRoutes } from "./routes/shipments.js";
import { ShipmentStore } from "./store/shipments.js";
import { TimerLoop } from "./timers.js";

export type ShippingConfig = BaseConfig & ShippingEnvConfig;

export { configSchema } from "./config.js";

/** Config, logger and metrics of the shipping service, from `env` (default `process.env`). */
export function createShippingContext(env?: Env): ServiceContext<ShippingConfig> {
  return createServiceContext({
    name: SERVICE_NAME,
    configSchema,
    ...(env === undefined ? {} : { env }),
  });
}

export interface ShippingServiceOptions {
  /** From `createShippingContext` (or `createServiceContext` with `configSchema`). */
  context: ServiceContext<ShippingConfig>;
  /**
   * Values that replace the context's for Redis and shipping's own settings, e.g.
   * `{ REDIS_URL, SHIPPING_DISPATCH_DELAY_MS: 50 }` in a test harness (the HTTP
   * settings stay the context's). Default: none.
   */
  config?: Partial<ShippingConfig>;
  /** The clock for timestamps and timers, epoch ms. Default `Date.now`; tests move it. */
  now?: () => number;
  /** Overrides of the bus's options, e.g. a shorter `shutdownTimeoutMs` in tests. */
  bus?: Partial<Omit<BusOptions<RetailCatalog>, "service" | "catalog" | "redis">>;
}

export interface ShippingService {
  readonly app: KitApp;
  readonly bus: Bus<RetailCatalog>;
  readonly store: ShipmentStore;
  readonly timers: TimerLoop;
  /** Start consuming events and polling the timers (HTTP listening is `startService`'s). */
  start(): Promise<void>;
  /** Stop the timer loop, then the bus (running handlers finish), then quit Redis. */
  close(): Promise<void>;
}

/** Build the shipping service: its Redis client, bus, store, handlers, timer loop and app. */
export async function createShippingService(
  options: ShippingServiceOptions,
): Promise<ShippingService> {
  const { context } = options;
  const config: ShippingConfig = { ...context.config, ...options.config };
  const now = options.now ?? Date.now;
  // The kit's client, as in every service: a request fails within a bounded time (503)
  // while Redis is away.
  const redis = createRedisClient(context, { url: config.REDIS_URL });
  const bus = createBus({
    service: SERVICE_NAME,
    catalog,
    redis,
    logger: context.logger,
    metrics: context.metrics,
    ...busOptionsFromConfig(config),
    ...options.bus,
  });
  const transitions = new Counter({
    name: "shipping_shipment_transitions_total",
    help: "Shipments created or moved, by the status they entered",
    labelNames: ["status"] as const,
    registers: [context.metrics],
  });
  const store = new ShipmentStore({
    redis,
    bus,
    now,
    transitions,
    rules: {
      countries: new Set(config.SHIPPING_COUNTRIES),
      carriers: config.SHIPPING_CARRIERS,
      dispatchDelayMs: config.SHIPPING_DISPATCH_DELAY_MS,
      deliveryDelayMs: config.SHIPPING_DELIVERY_DELAY_MS,
      cancelledOrderTtlMs: config.SHIPPING_CANCELLED_ORDER_TTL_MS,
      shipmentRetentionMs: config.SHIPMENT_RETENTION_MS,
    },
  });
  subscribeHandlers(bus, store);
  const timers = new TimerLoop({
    store,
    pollMs: config.SHIPPING_TIMER_POLL_MS,
    batch: config.SHIPPING_TIMER_BATCH,
    logger: context.logger.child({ component: "timers" }),
  });
  const app = await buildApp({
    context,
    routes: shipmentRoutes(store),
    readinessChecks: [redisReadinessCheck(redis), { name: "bus", check: () => bus.check() }],
    openapi: { title: "Shipping", version: "1.0.0" },
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    bus,
    store,
    timers,
    async start() {
      await bus.start();
      timers.start();
    },
    close() {
      closing ??= (async () => {
        await timers.stop();
        await bus.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
