import { baseConfigSchema, type Env, envInt, loadConfig } from "@retail/service-kit";
import { z } from "zod";

/** A decimal number from the environment, e.g. `0.5`; blank is rejected (not read as 0). */
function envNumber(options: { min: number; max: number }) {
  return z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal number, e.g. 0.5")
    .transform(Number)
    .pipe(z.number().min(options.min).max(options.max));
}

/** A share (probability) between 0 and 1. */
const envShare = () => envNumber({ min: 0, max: 1 });

const httpUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .transform((url) => url.replace(/\/+$/, ""))
    .default(fallback);

/**
 * Every variable of the load generator. Only `LOG_LEVEL` and `NODE_ENV` come from the
 * kit's base schema: the load generator serves no HTTP and holds no Redis connection.
 */
export const configSchema = baseConfigSchema.pick({ LOG_LEVEL: true, NODE_ENV: true }).extend({
  /** Inventory's public HTTP API (products, orders). */
  INVENTORY_URL: httpUrl("http://localhost:3001"),
  /** Client-monitoring's public HTTP API (heartbeats, telemetry). */
  MONITORING_URL: httpUrl("http://localhost:3003"),
  /** Orders placed per second by the whole fleet, on average (Poisson arrivals); 0: none. */
  ORDERS_PER_SECOND: envNumber({ min: 0, max: 1000 }).default(2),
  /** Simulated tills (`till-1`, ...). */
  TILLS: envInt({ min: 0, max: 1000 }).default(4),
  /** Simulated web shop instances (`web-shop-1`, ...). */
  WEB_SHOPS: envInt({ min: 0, max: 1000 }).default(1),
  /** Simulated mobile apps (`mobile-1`, ...). */
  MOBILE_APPS: envInt({ min: 0, max: 1000 }).default(2),
  /** Each client's heartbeat period; the clients' first beats are spread over one period. */
  HEARTBEAT_INTERVAL_MS: envInt({ min: 1, max: 3_600_000 }).default(5_000),
  /** Each client's mean telemetry period (each wait is 0.5-1.5 times this). */
  TELEMETRY_INTERVAL_MS: envInt({ min: 1, max: 3_600_000 }).default(15_000),
  /** Chance, at each heartbeat, that a client goes quiet (sends nothing) for a while. */
  QUIET_CHANCE: envShare().default(0.01),
  /** How long a quiet spell lasts at least (up to 1.5 times this); above the offline timeout. */
  QUIET_DURATION_MS: envInt({ min: 1, max: 86_400_000 }).default(30_000),
  /** At most this many clients are quiet at the same time. */
  MAX_QUIET_CLIENTS: envInt({ min: 0, max: 1000 }).default(1),
  /** Share of orders shipped to a country shipping does not serve (BR, AQ, JP, AU). */
  UNSUPPORTED_COUNTRY_SHARE: envShare().default(0.1),
  /** Share of orders with one line of 20-40 units, large enough to run out of stock. */
  LARGE_ORDER_SHARE: envShare().default(0.05),
  /** Share of accepted orders asked to be cancelled shortly (0.2-1.2 s) after they were placed. */
  CANCEL_SHARE: envShare().default(0.05),
  /** How often the product list is read again (and low SKUs restocked). */
  PRODUCTS_REFRESH_MS: envInt({ min: 1, max: 3_600_000 }).default(10_000),
  /** A SKU with at most this many units available is restocked (its own threshold wins). */
  RESTOCK_BELOW: envInt({ min: 0, max: 1_000_000 }).default(5),
  /** Per-attempt HTTP timeout. */
  REQUEST_TIMEOUT_MS: envInt({ min: 1, max: 600_000 }).default(5_000),
  /** Attempts per request when the network fails (1: no retry); waits back off exponentially. */
  HTTP_MAX_ATTEMPTS: envInt({ min: 1, max: 20 }).default(4),
  /** First retry wait; doubles on each retry (with jitter), capped at 5 s. */
  HTTP_RETRY_BASE_MS: envInt({ min: 1, max: 60_000 }).default(200),
  /** How long to wait at start for both services' `/health/ready` before giving up. */
  READY_TIMEOUT_MS: envInt({ min: 1, max: 3_600_000 }).default(120_000),
  /** How often the summary line is logged. */
  SUMMARY_INTERVAL_MS: envInt({ min: 1, max: 3_600_000 }).default(30_000),
  /** On stop, how long in-flight requests may take to finish before they are aborted. */
  STOP_TIMEOUT_MS: envInt({ min: 0, max: 600_000 }).default(3_000),
  /** Run for this long, then stop by itself; 0: until SIGTERM/SIGINT. */
  DURATION_MS: envInt({ min: 0 }).default(0),
  /**
   * The demo's signing key (`retail keys init`; compose mounts its `auth-keys` volume
   * here): the load generator signs each simulated app's token with it.
   */
  AUTH_KEYS_DIR: z.string().trim().min(1).default("/keys"),
  /** Seed of the random sequence (any text); the same seed makes the same choices. */
  SEED: z.string().trim().min(1).optional(),
});

/** The load generator's configuration, parsed. */
export type LoadgenConfig = z.output<typeof configSchema>;

/**
 * Read the configuration from `env` (default `process.env`), applying defaults.
 *
 * @throws {ConfigError} naming every invalid variable
 */
export function parseConfig(env: Env = process.env): LoadgenConfig {
  return loadConfig(configSchema, env);
}
