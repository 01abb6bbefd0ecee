import { type BaseConfig, envInt } from "@retail/service-kit";
import { z } from "zod";

/**
 * The service's own environment variables; the kit adds PORT, HOST, LOG_LEVEL,
 * REDIS_URL, SHUTDOWN_TIMEOUT_MS and BODY_LIMIT_BYTES. Every one has a default.
 */
export const configSchema = z.object({
  /** HTTP port. Default 3003. */
  PORT: envInt({ min: 0, max: 65_535 }).default(3003),
  /**
   * Inventory's base URL as a *browser* reaches it: where the dashboard's order form
   * posts (GET /config.json hands it to the page). Inventory must allow this service's
   * origin in its `CORS_ORIGINS`. Default http://localhost:3001.
   */
  INVENTORY_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .transform((url) => url.replace(/\/+$/, ""))
    .default("http://localhost:3001"),
  /** A client that sent no heartbeat for this long is offline. Default 15 000. */
  CLIENT_OFFLINE_AFTER_MS: envInt({ min: 1 }).default(15_000),
  /** How often the sweep looks for clients that went quiet. Default 1 000. */
  CLIENT_SWEEP_INTERVAL_MS: envInt({ min: 1 }).default(1_000),
  /** An offline client not seen for this long is forgotten (left out of GET /clients). Default 7 days. */
  CLIENT_FORGET_AFTER_MS: envInt({ min: 1 }).default(7 * 24 * 60 * 60 * 1000),
  /**
   * Largest accepted POST /telemetry body, in bytes. Default 65 536 (64 KiB): a full
   * batch of ordinary events fits many times over, and every accepted byte is kept in
   * the client.telemetry stream for a day (the README says why this figure).
   */
  TELEMETRY_BODY_LIMIT_BYTES: envInt({ min: 1 }).default(65_536),
  /**
   * Telemetry batches one client app may send per minute, over all instances (429
   * `rate_limited` past it; `clients:admin` tokens exempt; `0`: no limit). A client
   * sends one every few seconds; with the body limit, this bounds how fast one leaked
   * credential fills Redis (60 × 64 KiB a minute). Default 60.
   */
  TELEMETRY_BATCHES_PER_MINUTE: envInt({ min: 0 }).default(60),
  /** How often the dead-letter counts are compared with the last seen ones. Default 10 000. */
  DEAD_LETTER_CHECK_INTERVAL_MS: envInt({ min: 1 }).default(10_000),
  /** How often every Redis node's memory is compared with its `maxmemory`. Default 10 000. */
  MEMORY_CHECK_INTERVAL_MS: envInt({ min: 1 }).default(10_000),
  /** Share of `maxmemory` (in %) at which `redis_memory_high` is raised. Default 80. */
  MEMORY_ALERT_PERCENT: envInt({ min: 1, max: 99 }).default(80),
  /**
   * How long an order's timeline is kept after its last event: every recorded event
   * renews the timeline's TTL. Default 86 400 000 (a day).
   */
  TIMELINE_TTL_MS: envInt({ min: 1 }).default(86_400_000),
  /** Most events kept per timeline (the oldest go first). Default 500. */
  TIMELINE_MAX_EVENTS: envInt({ min: 1 }).default(500),
  /** How many recent alerts GET /alerts can return. Default 1 000. */
  ALERTS_KEPT: envInt({ min: 1 }).default(1_000),
  /** Comment line sent on idle SSE connections so proxies keep them open. Default 15 000. */
  SSE_HEARTBEAT_INTERVAL_MS: envInt({ min: 1 }).default(15_000),
  /** Reconnection delay suggested to SSE clients (the `retry:` line). Default 3 000. */
  SSE_RETRY_MS: envInt({ min: 0 }).default(3_000),
  /**
   * Most SSE streams (live feed and client message streams together) open at once on
   * this instance; one more is answered 503 too_many_streams. Default 1 000.
   */
  SSE_MAX_STREAMS: envInt({ min: 1 }).default(1_000),
  /**
   * Most SSE streams one caller (a token's subject) may hold open at once on this
   * instance; one more is answered 429 too_many_principal_streams, so one leaked or
   * greedy token cannot take `SSE_MAX_STREAMS` from everybody else. Default 5 (a
   * client app's one stream, an operator's few dashboard tabs).
   */
  SSE_MAX_STREAMS_PER_PRINCIPAL: envInt({ min: 1 }).default(5),
  /** An SSE client this many bytes behind is disconnected (it reconnects). Default 1 048 576. */
  SSE_MAX_BUFFERED_BYTES: envInt({ min: 1 }).default(1_048_576),
});

/** The whole configuration: the kit's variables and the service's own. */
export type ClientMonitoringConfig = BaseConfig & z.output<typeof configSchema>;
