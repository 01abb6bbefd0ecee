import { type Bus, createBus, type SubscribeOptions } from "@retail/bus";
import { catalog, type RetailCatalog } from "@retail/contracts";
import {
  buildApp,
  busOptionsFromConfig,
  createRedisClient,
  Gauge,
  type KitApp,
  type RoutesPlugin,
  redisReadinessCheck,
  type ServiceContext,
} from "@retail/service-kit";
import type { Redis } from "ioredis";
import { AlertBook } from "./alerts.js";
import { clientRoutes } from "./client-routes.js";
import { ClientRegistry } from "./clients.js";
import type { ClientMonitoringConfig } from "./config.js";
import { dashboardRoutes } from "./dashboard-routes.js";
import { DeadLetterWatch } from "./dead-letters.js";
import { eventRoutes } from "./event-routes.js";
import { SERVICE } from "./keys.js";
import { LiveFeed } from "./live-feed.js";
import { PeriodicTask } from "./periodic.js";
import { EventRecorder } from "./recorder.js";
import { clientMessageSchema } from "./schemas.js";
import { SseHub } from "./sse.js";
import { telemetryRoutes } from "./telemetry-routes.js";

export { type ClientMonitoringConfig, configSchema } from "./config.js";
export { SERVICE } from "./keys.js";

/** What the service is built from. Everything but `context` is for tests. */
export interface ClientMonitoringServiceOptions {
  /** From `createServiceContext({ name: "client-monitoring", configSchema })`. */
  context: ServiceContext<ClientMonitoringConfig>;
  /** Redis to use instead of `REDIS_URL`. */
  redisUrl?: string;
  /** This instance's consumer name. Default: the bus's (`<service>-<host>-<pid>-<random>`). */
  consumerName?: string;
  /** Defaults for every subscription, e.g. short retry delays in tests. */
  subscribeDefaults?: SubscribeOptions;
}

export interface ClientMonitoringService {
  readonly app: KitApp;
  readonly bus: Bus<RetailCatalog>;
  /** The service's Redis client (shared with the bus). */
  readonly redis: Redis;
  /** Start the bus (every subscription reads) and the background loops. Not HTTP. */
  start(): Promise<void>;
  /** Stop the loops and the SSE streams, then the bus, then quit Redis. Safe to call twice. */
  close(): Promise<void>;
}

/** Build client-monitoring: its Redis client, bus, handlers, loops, HTTP API and dashboard. */
export async function createClientMonitoringService(
  options: ClientMonitoringServiceOptions,
): Promise<ClientMonitoringService> {
  const { context } = options;
  const { config, logger } = context;

  // The kit's client, as in every service: a request fails within a bounded time (503)
  // while Redis is away.
  const redis = createRedisClient(context, { url: options.redisUrl ?? config.REDIS_URL });

  const bus = createBus({
    service: SERVICE,
    catalog,
    redis,
    logger,
    metrics: context.metrics,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    ...busOptionsFromConfig(config),
    ...(options.consumerName === undefined ? {} : { consumerName: options.consumerName }),
    ...(options.subscribeDefaults === undefined
      ? {}
      : { subscribeDefaults: options.subscribeDefaults }),
  });

  const hub = new SseHub({
    heartbeatMs: config.SSE_HEARTBEAT_INTERVAL_MS,
    retryMs: config.SSE_RETRY_MS,
    maxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
  });
  const feed = new LiveFeed(bus, logger);
  const alerts = new AlertBook(redis, bus, config.ALERTS_KEPT);
  const clients = new ClientRegistry(redis, bus, {
    offlineAfterMs: config.CLIENT_OFFLINE_AFTER_MS,
    forgetAfterMs: config.CLIENT_FORGET_AFTER_MS,
  });
  const deadLetters = new DeadLetterWatch(redis, bus, alerts);
  const messages = bus.pubsub.direct("client-messages", clientMessageSchema);

  new EventRecorder(feed, alerts, {
    timelineTtlMs: config.TIMELINE_TTL_MS,
    timelineMaxEvents: config.TIMELINE_MAX_EVENTS,
  }).subscribeAll(bus);

  const loops = [
    new PeriodicTask(
      "client sweep",
      config.CLIENT_SWEEP_INTERVAL_MS,
      () => clients.sweep(),
      logger,
    ),
    new PeriodicTask(
      "dead-letter check",
      config.DEAD_LETTER_CHECK_INTERVAL_MS,
      () => deadLetters.check(),
      logger,
    ),
  ];

  new Gauge({
    name: "client_monitoring_sse_streams",
    help: "Open server-sent-event streams on this instance",
    registers: [context.metrics],
    collect() {
      this.set(hub.size);
    },
  });

  const routes: RoutesPlugin = async (app) => {
    // Streams never end by themselves: end them so the server can close.
    app.addHook("preClose", async () => hub.closeAll());
    await app.register(clientRoutes({ clients, messages, hub }));
    await app.register(
      telemetryRoutes({ bus, clients, bodyLimitBytes: config.TELEMETRY_BODY_LIMIT_BYTES }),
    );
    await app.register(eventRoutes({ bus, redis, feed, alerts, hub }));
    await app.register(dashboardRoutes({ inventoryUrl: config.INVENTORY_PUBLIC_URL }));
  };

  const app = await buildApp({
    context,
    routes,
    readinessChecks: [redisReadinessCheck(redis), { name: "bus", check: () => bus.check() }],
    openapi: {
      title: "Client monitoring",
      version: "1.0.0",
      description:
        "Heartbeats and telemetry of client apps, direct messages to them, the live event feed, order timelines, bus statistics and alerts.",
    },
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    bus,
    redis,
    async start() {
      await bus.start();
      for (const loop of loops) loop.start();
    },
    close() {
      closing ??= (async () => {
        await Promise.all(loops.map((loop) => loop.stop()));
        hub.closeAll();
        await bus.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
