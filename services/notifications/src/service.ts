import { Counter, defineService, type ServiceInstanceOf, SseHub } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { notificationsHandlers } from "./handlers.js";
import { CHANNEL, SERVICE_NAME } from "./keys.js";
import { notificationSchema } from "./notification.js";
import { Notifier } from "./notifier.js";
import { notificationRoutes } from "./routes/notifications.js";
import { NotificationStore } from "./store/notifications.js";

export { configSchema, type NotificationsConfig } from "./config.js";
export { SERVICE_NAME } from "./keys.js";
export { type Notification, notificationSchema } from "./notification.js";

/** Notifications: order news for customers' connected apps, on the kit's parts. */
export const notificationsService = defineService({
  name: SERVICE_NAME,
  configSchema,
  openapi: {
    title: "Notifications",
    version: "1.0.0",
    description:
      "Tells each customer's connected client apps (web shop, mobile) when their order is confirmed, dispatched, delivered or failed, and keeps what no app received for the customer's next connection.",
  },
  setup({ config, logger, metrics, redis, bus }) {
    const store = new NotificationStore({
      redis,
      bus,
      orderTtlMs: config.NOTIFICATIONS_ORDER_TTL_MS,
      keptMax: config.NOTIFICATIONS_KEPT_MAX,
      keptTtlMs: config.NOTIFICATIONS_KEPT_TTL_MS,
    });
    const notifier = new Notifier({
      store,
      channel: bus.pubsub.direct(CHANNEL, notificationSchema),
      sent: new Counter({
        name: "notifications_sent_total",
        help: "Notifications by kind, and whether an app received them live or they were kept",
        labelNames: ["kind", "outcome"] as const,
        registers: [metrics],
      }),
      unknownOrderAttempts: config.NOTIFICATIONS_UNKNOWN_ORDER_ATTEMPTS,
      logger,
    });
    const streams = new SseHub({
      maxStreams: config.SSE_MAX_STREAMS,
      maxStreamsPerPrincipal: config.SSE_MAX_STREAMS_PER_PRINCIPAL,
      heartbeatMs: config.SSE_HEARTBEAT_INTERVAL_MS,
      retryMs: config.SSE_RETRY_MS,
      maxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
      gauge: {
        name: "notifications_sse_streams",
        help: "Open notification streams on this instance",
        registry: metrics,
      },
    });

    return {
      routes: notificationRoutes({ notifier, store, streams }),
      handlers: notificationsHandlers(notifier),
      // Streams never end by themselves: end them so the server can close.
      beforeClose: () => streams.closeAll(),
      expose: { store, streams },
    };
  },
});

export type NotificationsService = ServiceInstanceOf<typeof notificationsService>;
