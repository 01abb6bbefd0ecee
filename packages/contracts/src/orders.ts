import { z } from "zod";
import {
  cents,
  customerId,
  orderId,
  orderLine,
  PERSONAL_ADDRESS_FIELDS,
  quantity,
  reasonCode,
  shipmentId,
  shippingAddress,
  sku,
  stockLevel,
  text,
  timestamp,
  uniqueSkus,
} from "./fields.js";
import { defineTopic } from "./topic.js";
import type { Panel } from "./topic-view.js";

// The examples follow one order, `ord-1042`, through its saga (others branch off it:
// ord-1043 is refused, ord-1044 cancelled, ord-1045 failed, ord-1046's cancel refused),
// so that ids and times agree across topics and domains.

/** Every order event changes what is reserved or sold, which the product list shows. */
const STOCK: readonly Panel[] = ["products"];

export const orderPlaced = defineTopic({
  name: "order.placed",
  version: 1,
  description:
    "An order was accepted: stock for every line is reserved and the order is recorded, in the same atomic step that appended this event. Shipping creates a shipment for it.",
  schema: z
    .object({
      orderId: orderId(),
      customerId: customerId(),
      lines: uniqueSkus(z.array(orderLine()).min(1).max(100)).describe(
        "What was ordered; a SKU appears on one line only.",
      ),
      totalCents: cents("Sum of quantity × unitPriceCents over the lines"),
      shippingAddress: shippingAddress(),
      placedAt: timestamp("When the order was accepted"),
    })
    .refine((order) => order.totalCents === totalOf(order.lines), {
      message: "totalCents must be the sum of quantity × unitPriceCents over the lines",
      path: ["totalCents"],
    }),
  publisher: "inventory",
  consumers: ["shipping", "client-monitoring", "notifications"],
  partitionKey: "orderId",
  // More than one partition so that the bus's partitioning is exercised in every run.
  partitions: 4,
  personalData: PERSONAL_ADDRESS_FIELDS.map((field) => `shippingAddress.${field}`),
  example: {
    orderId: "ord-1042",
    customerId: "cus-77",
    lines: [
      { sku: "TSHIRT-BLK-M", quantity: 2, unitPriceCents: 1999 },
      { sku: "MUG-WHT", quantity: 1, unitPriceCents: 899 },
    ],
    totalCents: 4897,
    shippingAddress: {
      name: "Ada Lovelace",
      line1: "12 St James's Square",
      city: "London",
      postalCode: "SW1Y 4JH",
      country: "GB",
    },
    placedAt: "2025-03-14T09:26:53.589Z",
  },
  view: {
    summary:
      "{lines:lines} · {totalCents:money} → {shippingAddress.country} · customer {customerId}",
    orderStatus: "reserved",
    step: { position: 0, label: "placed" },
    refreshes: STOCK,
  },
});

function totalOf(lines: readonly { quantity: number; unitPriceCents: number }[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

export const orderRejected = defineTopic({
  name: "order.rejected",
  version: 1,
  description:
    "An order was refused because stock was short (HTTP 409). Nothing was reserved or recorded; the order never existed for shipping.",
  schema: z.object({
    orderId: orderId(),
    customerId: customerId(),
    reason: z.literal("out_of_stock").describe("Why the order was refused."),
    lines: z
      .array(
        z.object({
          sku: sku(),
          requested: quantity("Units the order asked for."),
          available: stockLevel("Units that were available."),
        }),
      )
      .min(1)
      .max(100)
      .describe("The lines that could not be served."),
    rejectedAt: timestamp("When the order was refused"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1043",
    customerId: "cus-78",
    reason: "out_of_stock",
    lines: [{ sku: "MUG-WHT", requested: 5, available: 2 }],
    rejectedAt: "2025-03-14T09:27:10.002Z",
  },
  view: {
    summary: "{reason:words}: {lines:shortages}",
    orderStatus: "rejected",
    refreshes: STOCK,
  },
});

export const orderCancelRequested = defineTopic({
  name: "order.cancel-requested",
  version: 1,
  description:
    "A customer or operator asked to cancel an order that inventory still held as reserved (HTTP 202). Nothing is released yet: shipping, which owns the dispatch, decides. It answers shipment.cancelled (the order becomes cancelled) or shipment.cancel-refused (the order goes on).",
  schema: z.object({
    orderId: orderId(),
    reason: text("Why the cancel was asked for, as given by the customer or operator."),
    requestedAt: timestamp("When inventory accepted the request"),
  }),
  publisher: "inventory",
  consumers: ["shipping", "client-monitoring"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1044",
    reason: "Customer ordered the wrong size.",
    requestedAt: "2025-03-14T09:29:59.870Z",
  },
  view: { summary: "cancel asked: {reason}", cancel: "asked", refreshes: STOCK },
});

export const orderCancelled = defineTopic({
  name: "order.cancelled",
  version: 1,
  description:
    "An order was cancelled: shipping cancelled its shipment before dispatch (shipment.cancelled), and inventory released its reservation (reservation.released) in the same step. A terminal state of the order.",
  schema: z.object({
    orderId: orderId(),
    reason: text("Why it was cancelled, as given by the customer or operator."),
    cancelledAt: timestamp("When the order was cancelled"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1044",
    reason: "Customer ordered the wrong size.",
    cancelledAt: "2025-03-14T09:30:00.000Z",
  },
  view: {
    summary: "{reason:words}",
    orderStatus: "cancelled",
    cancel: "answered",
    refreshes: STOCK,
  },
});

export const orderCancelRefused = defineTopic({
  name: "order.cancel-refused",
  version: 1,
  description:
    "A requested cancel of an order was refused because its shipment had already left (or failed): the order goes on as its shipment does. Not a terminal state; the answer to order.cancel-requested that is not order.cancelled.",
  schema: z.object({
    orderId: orderId(),
    reason: reasonCode("Why shipping refused, e.g. `already_dispatched`"),
    refusedAt: timestamp("When inventory recorded the refusal"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1046",
    reason: "already_dispatched",
    refusedAt: "2025-03-14T10:15:00.240Z",
  },
  view: { summary: "{reason:words}", cancel: "answered", refreshes: STOCK },
});

export const orderFailed = defineTopic({
  name: "order.failed",
  version: 1,
  description:
    "An order could not be fulfilled because its shipment failed; its reservation has been released. A terminal state of the order.",
  schema: z.object({
    orderId: orderId(),
    reason: reasonCode("Why it failed, e.g. `unsupported_country`"),
    failedAt: timestamp("When the order was marked failed"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring", "notifications"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1045",
    reason: "unsupported_country",
    failedAt: "2025-03-14T09:31:12.480Z",
  },
  view: { summary: "{reason:words}", orderStatus: "failed", refreshes: STOCK },
});

export const orderDelivered = defineTopic({
  name: "order.delivered",
  version: 1,
  description:
    "An order reached its customer: inventory saw shipment.delivered and closed the order. A terminal state, so every accepted order ends in one order.* terminal event (delivered, cancelled or failed).",
  schema: z.object({
    orderId: orderId(),
    shipmentId: shipmentId(),
    deliveredAt: timestamp("When the shipment was delivered"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring", "notifications"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1042",
    shipmentId: "shp-5001",
    deliveredAt: "2025-03-15T14:02:40.000Z",
  },
  view: {
    summary: "closed: delivered by {shipmentId}",
    orderStatus: "delivered",
    refreshes: STOCK,
  },
});

/** The order topics, in catalog order: listing a topic here puts it in the catalog. */
export const orderTopics = [
  orderPlaced,
  orderRejected,
  orderCancelRequested,
  orderCancelled,
  orderCancelRefused,
  orderFailed,
  orderDelivered,
] as const;
