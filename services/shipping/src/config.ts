import { envInt } from "@retail/service-kit";
import { z } from "zod";

/**
 * Countries shipping serves unless `SHIPPING_COUNTRIES` says otherwise: the 27 EU
 * members, the rest of the EEA (Iceland, Liechtenstein, Norway), Switzerland, the
 * United Kingdom, the United States and Canada.
 */
export const DEFAULT_SHIPPING_COUNTRIES = [
  ..."AT,BE,BG,HR,CY,CZ,DK,EE,FI,FR,DE,GR,HU,IE,IT,LV,LT,LU,MT,NL,PL,PT,RO,SK,SI,ES,SE".split(","),
  ..."IS,LI,NO,CH,GB,US,CA".split(","),
] as const;

/** Carriers a shipment is handed to unless `SHIPPING_CARRIERS` says otherwise. */
export const DEFAULT_CARRIERS = ["dhl", "ups", "dpd", "gls"] as const;

/**
 * A comma-separated list whose items match `pattern`; blanks around items are ignored,
 * duplicates dropped. Problems name the item's position, never its value.
 */
function commaList(pattern: RegExp, what: string) {
  return z.string().transform((value, context) => {
    const items = value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
    if (items.length === 0) context.addIssue({ code: "custom", message: `lists no ${what}` });
    items.forEach((item, index) => {
      if (!pattern.test(item))
        context.addIssue({ code: "custom", message: `item ${index + 1} is not ${what}` });
    });
    return [...new Set(items)];
  });
}

/** Shipping's own environment variables; the kit adds PORT, HOST, LOG_LEVEL, REDIS_URL, ... */
export const configSchema = z.object({
  /** HTTP port. */
  PORT: envInt({ min: 0, max: 65_535 }).default(3002),
  /** ISO 3166-1 alpha-2 codes of the destinations served, comma-separated (case-insensitive). */
  SHIPPING_COUNTRIES: commaList(/^[A-Za-z]{2}$/, "an ISO 3166-1 alpha-2 country code")
    .transform((codes) => codes.map((code) => code.toUpperCase()))
    .default([...DEFAULT_SHIPPING_COUNTRIES]),
  /** Carrier names, comma-separated; each order gets one, picked by a hash of its id. */
  SHIPPING_CARRIERS: commaList(/^[a-z0-9-]{1,32}$/, "a carrier name (1-32 of a-z, 0-9, -)").default(
    [...DEFAULT_CARRIERS],
  ),
  /** From creation to the carrier picking the parcel up (`dispatched`). */
  SHIPPING_DISPATCH_DELAY_MS: envInt({ min: 0 }).default(2_000),
  /** From dispatch to delivery (`delivered`). */
  SHIPPING_DELIVERY_DELAY_MS: envInt({ min: 0 }).default(3_000),
  /** How often each instance looks for due timers. */
  SHIPPING_TIMER_POLL_MS: envInt({ min: 1 }).default(200),
  /** At most this many due timers are read per look (more are read at once if it was full). */
  SHIPPING_TIMER_BATCH: envInt({ min: 1, max: 10_000 }).default(100),
  /** How long a cancellation that arrived before its order.placed is remembered. */
  SHIPPING_CANCELLED_ORDER_TTL_MS: envInt({ min: 1 }).default(7 * 24 * 60 * 60 * 1_000),
  /**
   * How long a delivered, cancelled or failed shipment (and its order's shipment-by-order
   * key) is kept, in ms. `0` keeps them forever. Default 604 800 000 (7 days).
   */
  SHIPMENT_RETENTION_MS: envInt({ min: 0 }).default(7 * 24 * 60 * 60 * 1_000),
});

export type ShippingEnvConfig = z.output<typeof configSchema>;
