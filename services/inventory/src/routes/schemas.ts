import { fields } from "@retail/contracts";
import { z } from "zod";
import { CANCEL_STATES, ORDER_STATUSES, RESERVATION_STATES } from "../model.js";
import { COUNTRY_CODES } from "./countries.js";

/** SKUs the HTTP API accepts: letters, digits, `.`, `_`, `-`; at most 64 characters. */
export const skuSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a SKU: 1-64 letters, digits, '.', '_' or '-'")
  .describe("Stock keeping unit, e.g. `MUG-CERAMIC-350`.");

export const orderIdSchema = fields.orderId();

export const skuParams = z.object({ sku: skuSchema });
export const orderParams = z.object({ orderId: orderIdSchema });

export const listProductsQuery = z.object({
  after: skuSchema.optional().describe("Return products whose SKU sorts after this one (paging)."),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("At most this many."),
});

export const productSchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    priceCents: z.int(),
    available: z.int().describe("Units that can be ordered."),
    reserved: z.int().describe("Units held by orders not yet dispatched."),
    shipped: z.int().describe("Units that left with dispatched shipments."),
    received: z.int().describe("Units ever stocked; always `available + reserved + shipped`."),
    lowStockThreshold: z.int().optional().describe("The product's own low-stock threshold."),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe("Product");

export const productBodySchema = z.object({
  name: z.string().min(1).max(200),
  priceCents: z.int().min(0).max(10_000_000).describe("Unit price in cents."),
  available: z
    .int()
    .min(0)
    .max(1_000_000_000)
    .describe("Units available; `received` moves by the difference."),
  lowStockThreshold: z
    .int()
    .min(0)
    .max(1_000_000_000)
    .optional()
    .describe("stock.low at or below this; default: the service's LOW_STOCK_THRESHOLD."),
});

export const restockBodySchema = z.object({ quantity: fields.quantity("Units to add.") });

/** The event's address, narrowed to the countries this service knows. */
export const shippingAddressSchema = fields.shippingAddress().extend({
  country: z
    .string()
    .refine((code) => COUNTRY_CODES.has(code), "an ISO 3166-1 alpha-2 country code, e.g. DE")
    .describe("ISO 3166-1 alpha-2, upper case."),
});

/** A customer id, as an order and its events carry it. */
export const customerIdSchema = fields.customerId();

export const orderBodySchema = z.object({
  customerId: customerIdSchema
    .optional()
    .describe(
      "Whose order: default the token's subject. Another customer's only with the scope orders:all (else 403 customer_mismatch).",
    ),
  lines: fields.uniqueSkus(
    z
      .array(z.object({ sku: skuSchema, quantity: fields.quantity("Units ordered.") }))
      .min(1)
      .max(100),
  ),
  shippingAddress: shippingAddressSchema,
});

export const orderHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, "1-200 visible ASCII characters")
    .optional()
    .describe("Retry-safe placing: the same key and body give the same response, once."),
});

const orderLineSchema = fields.orderLine();

export const placedOrderSchema = z
  .object({
    orderId: z.string(),
    status: z.literal("reserved"),
    lines: z.array(orderLineSchema),
    totalCents: z.int(),
    createdAt: fields.timestamp("When the order was accepted"),
  })
  .describe("PlacedOrder");

export const orderSchema = z
  .object({
    orderId: z.string(),
    customerId: z.string(),
    status: z
      .enum(ORDER_STATUSES)
      .describe("`cancel_requested`: a cancel waits for shipping's answer."),
    reservation: z
      .enum(RESERVATION_STATES)
      .describe("Where the order's units are: held, released, shipped, or none (rejected)."),
    lines: z.array(orderLineSchema),
    totalCents: z.int(),
    shippingAddress: z.object({
      name: z.string(),
      line1: z.string(),
      city: z.string(),
      postalCode: z.string(),
      country: z.string(),
    }),
    shipmentId: z.string().optional(),
    reason: z.string().optional().describe("Why it was cancelled, failed or rejected."),
    cancel: z
      .enum(CANCEL_STATES)
      .optional()
      .describe(
        "A cancel request: `requested` until shipping answers, then `refused` if it said no.",
      ),
    cancelReason: z.string().optional().describe("The reason given with the cancel request."),
    cancelRefused: z
      .string()
      .optional()
      .describe("Why shipping refused the cancel, e.g. `already_dispatched`."),
    createdAt: fields.timestamp("When the order was accepted"),
    updatedAt: fields.timestamp("When the order last changed"),
  })
  .describe("Order");

/** Optional: Fastify hands a route without a body `null`. */
export const cancelBodySchema = z
  .object({ reason: fields.text("Why; goes into order.cancel-requested.").optional() })
  .nullish();

/** 200: the order is cancelled already (a cancel asked again after shipping agreed). */
export const cancelledOrderSchema = z.object({
  orderId: z.string(),
  status: z.literal("cancelled"),
});

/** 202: shipping decides; order.cancelled or order.cancel-refused follows. */
export const cancelRequestedSchema = z.object({
  orderId: z.string(),
  status: z.literal("cancel_requested"),
});
