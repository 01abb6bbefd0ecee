import { type BaseConfig, envInt } from "@retail/service-kit";
import { z } from "zod";

const DAY_MS = 24 * 60 * 60 * 1_000;

/**
 * The service's own environment variables; the kit adds HOST, LOG_LEVEL, REDIS_URL,
 * SHUTDOWN_TIMEOUT_MS and BODY_LIMIT_BYTES. Every one has a default.
 */
export const configSchema = z.object({
  /** HTTP port. Default 3004. */
  PORT: envInt({ min: 0, max: 65_535 }).default(3004),
  /**
   * How long an order's customer is remembered after its order.placed: events of the
   * order that come later than this find no customer and notify nobody. Default 30 days.
   */
  NOTIFICATIONS_ORDER_TTL_MS: envInt({ min: 1 }).default(30 * DAY_MS),
  /** Most notifications kept per customer while none of their apps is connected (the oldest go first). Default 50. */
  NOTIFICATIONS_KEPT_MAX: envInt({ min: 1, max: 10_000 }).default(50),
  /** A customer's kept notifications expire this long after the newest was kept. Default 7 days. */
  NOTIFICATIONS_KEPT_TTL_MS: envInt({ min: 1 }).default(7 * DAY_MS),
  /**
   * Deliveries of a shipment or order event whose order.placed has not been seen yet
   * (its customer is unknown) before the event is dropped with a warning: until then it
   * is retried, as order.placed may simply be handled later. Default 10 (about 50 s with
   * the bus's default backoff).
   */
  NOTIFICATIONS_UNKNOWN_ORDER_ATTEMPTS: envInt({ min: 1, max: 40 }).default(10),
  /** Most server-sent-event streams open on one instance; one more is refused with 503. Default 1 000. */
  SSE_MAX_STREAMS: envInt({ min: 1 }).default(1_000),
  /**
   * Most streams one caller (a token's subject) may hold open on one instance; one more
   * is refused with 429, so one customer or leaked token cannot take the instance's
   * `SSE_MAX_STREAMS` from everybody else. Default 5 (a customer's web shop, phone and a
   * few tabs).
   */
  SSE_MAX_STREAMS_PER_PRINCIPAL: envInt({ min: 1 }).default(5),
  /** Comment line sent on idle SSE streams so proxies keep them open. Default 15 000. */
  SSE_HEARTBEAT_INTERVAL_MS: envInt({ min: 1 }).default(15_000),
  /** Reconnection delay suggested to SSE clients (the `retry:` line). Default 3 000. */
  SSE_RETRY_MS: envInt({ min: 0 }).default(3_000),
  /** An SSE client this many bytes behind is disconnected (it reconnects). Default 262 144. */
  SSE_MAX_BUFFERED_BYTES: envInt({ min: 1 }).default(262_144),
});

/** The whole configuration: the kit's variables and the service's own. */
export type NotificationsConfig = BaseConfig & z.output<typeof configSchema>;
