import { z } from "zod";

/**
 * Field schemas shared by the topics, so that an order id, a SKU or a timestamp is
 * the same thing in every event that carries one.
 */

/** Visible ASCII only: ids end up in log lines, Redis keys and URLs. */
export const ID_PATTERN = /^[\x21-\x7e]+$/;

/** The longest id. */
export const ID_MAX_LENGTH = 128;

/** An identifier: 1–128 visible ASCII characters, no whitespace. */
export function id(what: string) {
  return z.string().min(1).max(ID_MAX_LENGTH).regex(ID_PATTERN).describe(what);
}

export const orderId = () =>
  id("The order's id; the partition key of every order, reservation and shipment event.");
export const shipmentId = () => id("The shipment's id, assigned by shipping.");
export const customerId = () => id("The customer's id.");
export const sku = () =>
  id("Stock keeping unit: the product's id; the partition key of stock events.");
export const clientId = () =>
  id("The client app instance's id (one till, one browser, one phone).");

/** What {@link timestamp} accepts, as a pattern: zod's `z.iso.datetime()` with its defaults. */
export const TIMESTAMP_PATTERN = z.regexes.datetime({
  offset: false,
  local: false,
  precision: null,
});

/** A UTC instant in ISO 8601 with a `Z` offset, so timestamps compare as strings. */
export function timestamp(what: string) {
  return z.iso.datetime().describe(`${what} (ISO 8601, UTC).`);
}

/** An amount of money in integer cents: floats would round. */
export function cents(what: string) {
  return z.int().min(0).describe(`${what}, in cents.`);
}

/** A count of units of one SKU moved by an event (always at least one). */
export function quantity(what: string) {
  return z.int().min(1).max(1_000_000).describe(what);
}

/** A count of units on hand, which can be zero. */
export function stockLevel(what: string) {
  return z.int().min(0).describe(what);
}

/** A machine-readable reason such as `unsupported_country`; consumers branch on it. */
export function reasonCode(what: string) {
  return z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z][a-z0-9_]*$/)
    .describe(`${what} (snake_case code).`);
}

/** Free text written by or for a person. */
export function text(what: string, max = 500) {
  return z.string().min(1).max(max).describe(what);
}

export const countryCode = () =>
  z
    .string()
    .regex(/^[A-Z]{2}$/)
    .describe("ISO 3166-1 alpha-2 country code, upper case, e.g. `DE`.");

export const CLIENT_APPS = ["till", "web-shop", "mobile"] as const;
export const clientApp = () => z.enum(CLIENT_APPS).describe("Which kind of client app it is.");
export const appVersion = () => text("The client app's version, e.g. `4.2.0`.", 64);

/** Lines of stock moved for one order: a SKU appears at most once. */
export function stockLines(what: string) {
  return uniqueSkus(
    z
      .array(
        z.object({
          sku: sku(),
          quantity: quantity("Units of this SKU."),
        }),
      )
      .min(1)
      .max(100),
  ).describe(what);
}

/** One line of an order: a SKU, how many and the price of one unit when ordered. */
export function orderLine() {
  return z.object({
    sku: sku(),
    quantity: quantity("Units ordered."),
    unitPriceCents: cents("Price of one unit"),
  });
}

/** Where an order is shipped. */
export function shippingAddress() {
  return z
    .object({
      name: text("Recipient's name.", 200),
      line1: text("Street and number.", 200),
      city: text("City.", 100),
      postalCode: text("Postal code.", 20),
      country: countryCode(),
    })
    .describe("Where the order is shipped.");
}

/** The parts of a {@link shippingAddress} that identify a person: all but the country. */
export const PERSONAL_ADDRESS_FIELDS = ["name", "line1", "city", "postalCode"] as const;

/** Refuses lines that name a SKU twice: an order or a stock move has one line per SKU. */
export function uniqueSkus<Lines extends z.ZodType<readonly { sku: string }[]>>(lines: Lines) {
  return lines.refine(hasUniqueSkus, { message: "each SKU may appear on one line only" });
}

export function hasUniqueSkus(lines: readonly { sku: string }[]): boolean {
  return new Set(lines.map((line) => line.sku)).size === lines.length;
}
