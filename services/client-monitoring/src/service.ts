import { defineService, type ServiceInstanceOf, SseHub } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { clientMonitoringHandlers } from "./handlers.js";
import { SERVICE_NAME } from "./keys.js";
import { LiveFeed } from "./live-feed.js";
import { PeriodicTask } from "./periodic.js";
import { alertRoutes } from "./routes/alerts.js";
import { clientRoutes } from "./routes/clients.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { eventRoutes } from "./routes/events.js";
import { statsRoutes } from "./routes/stats.js";
import { telemetryRoutes } from "./routes/telemetry.js";
import { timelineRoutes } from "./routes/timelines.js";
import { clientMessageSchema } from "./schemas.js";
import { AlertBook } from "./store/alerts.js";
import { ClientRegistry } from "./store/clients.js";
import { DeadLetterWatch } from "./store/dead-letters.js";
import { EventLog } from "./store/event-log.js";
import { RedisMemoryWatch } from "./store/redis-memory.js";

export { type ClientMonitoringConfig, configSchema } from "./config.js";
export { SERVICE_NAME } from "./keys.js";

/** Client-monitoring: its handlers, loops, HTTP API and dashboard, on the kit's parts. */
export const clientMonitoringService = defineService({
  name: SERVICE_NAME,
  configSchema,
  openapi: {
    title: "Client monitoring",
    version: "1.0.0",
    description:
      "Heartbeats and telemetry of client apps, direct messages to them, the live event feed, order timelines, bus statistics and alerts.",
  },
  setup({ config, logger, metrics, redis, bus, now }) {
    const hub = new SseHub({
      maxStreams: config.SSE_MAX_STREAMS,
      maxStreamsPerPrincipal: config.SSE_MAX_STREAMS_PER_PRINCIPAL,
      heartbeatMs: config.SSE_HEARTBEAT_INTERVAL_MS,
      retryMs: config.SSE_RETRY_MS,
      maxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
      gauge: {
        name: "client_monitoring_sse_streams",
        help: "Open server-sent-event streams on this instance",
        registry: metrics,
      },
    });
    const feed = new LiveFeed(bus, logger);
    const alerts = new AlertBook(redis, config.ALERTS_KEPT);
    const events = new EventLog({
      bus,
      alerts,
      now,
      timelineTtlMs: config.TIMELINE_TTL_MS,
      timelineMaxEvents: config.TIMELINE_MAX_EVENTS,
    });
    const clients = new ClientRegistry({
      redis,
      bus,
      now,
      offlineAfterMs: config.CLIENT_OFFLINE_AFTER_MS,
      forgetAfterMs: config.CLIENT_FORGET_AFTER_MS,
    });
    const deadLetters = new DeadLetterWatch(redis, bus, alerts, now);
    const memory = new RedisMemoryWatch({
      redis,
      bus,
      alerts,
      now,
      alertRatio: config.MEMORY_ALERT_PERCENT / 100,
      rearmRatio: (config.MEMORY_ALERT_PERCENT - 10) / 100,
    });
    const messages = bus.pubsub.direct("client-messages", clientMessageSchema);

    return {
      routes: async (app) => {
        await app.register(clientRoutes({ clients, messages, streams: hub }));
        await app.register(
          telemetryRoutes({
            bus,
            clients,
            bodyLimitBytes: config.TELEMETRY_BODY_LIMIT_BYTES,
            batchesPerMinute: config.TELEMETRY_BATCHES_PER_MINUTE,
          }),
        );
        await app.register(eventRoutes({ feed, streams: hub }));
        await app.register(timelineRoutes(redis));
        await app.register(statsRoutes({ bus, redis }));
        await app.register(alertRoutes(alerts));
        await app.register(dashboardRoutes({ inventoryUrl: config.INVENTORY_PUBLIC_URL }));
      },
      handlers: clientMonitoringHandlers({ events, feed }),
      background: [
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
        new PeriodicTask(
          "Redis memory check",
          config.MEMORY_CHECK_INTERVAL_MS,
          () => memory.check(),
          logger,
        ),
      ],
      // Streams never end by themselves: end them so the server can close.
      beforeClose: () => hub.closeAll(),
      expose: { clients, deadLetters, feed, memory, hub },
    };
  },
});

export type ClientMonitoringService = ServiceInstanceOf<typeof clientMonitoringService>;
