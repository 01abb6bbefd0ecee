import { type BaseConfig, envInt } from "@retail/service-kit";
import { z } from "zod";

/** `true`/`false` (also `1`/`0`, `yes`/`no`) as a boolean; anything else is a config error. */
function envFlag() {
  return z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
    .transform((value) => value === "true" || value === "1" || value === "yes");
}

/**
 * The inventory service's own environment variables, added to the kit's base ones
 * (`HOST`, `LOG_LEVEL`, `REDIS_URL`, ...).
 */
export const configSchema = z.object({
  /** HTTP port. Default 3001. */
  PORT: envInt({ min: 0, max: 65_535 }).default(3001),
  /**
   * Seed the demo catalog on start (once per Redis: a marker key makes it idempotent
   * across restarts and instances). Default `true`; tests pass `false`.
   */
  SEED_DEMO_CATALOG: envFlag().default(true),
  /** `available` at or below this counts as low stock (stock.low), unless a product sets its own. Default 5. */
  LOW_STOCK_THRESHOLD: envInt({ min: 0, max: 1_000_000_000 }).default(5),
  /**
   * Orders one customer may place per minute (`POST /orders`, 429 `rate_limited` past
   * it), counted in Redis over all instances; staff tokens (`orders:all`) are exempt.
   * Stricter than the kit's limit per principal. `0`: none. Default 30.
   */
  ORDERS_PER_MINUTE_PER_CUSTOMER: envInt({ min: 0 }).default(30),
  /** How long an `Idempotency-Key` of `POST /orders` is remembered, in seconds. Default 86 400 (a day). */
  IDEMPOTENCY_TTL_SECONDS: envInt({ min: 1 }).default(86_400),
  /**
   * How long an order is kept once it is delivered, cancelled, failed or rejected, in ms;
   * also how long it stays in the orders index. `0` keeps orders forever. Default
   * 604 800 000 (7 days).
   */
  ORDER_RETENTION_MS: envInt({ min: 0 }).default(604_800_000),
});

export type InventoryConfig = BaseConfig & z.output<typeof configSchema>;
