import { z } from "zod";
import { cents, orderId, quantity, sku, stockLevel, stockLines, timestamp } from "./fields.js";
import { defineTopic } from "./topic.js";
import type { Panel } from "./topic-view.js";

/** The product list shows each SKU's stock. */
const STOCK: readonly Panel[] = ["products"];

export const stockRestocked = defineTopic({
  name: "stock.restocked",
  version: 1,
  description: "Units of a SKU were added to the available stock.",
  schema: z.object({
    sku: sku(),
    quantity: quantity("Units added."),
    available: stockLevel("Units available after the restock."),
    restockedAt: timestamp("When the stock was added"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "sku",
  example: {
    sku: "MUG-WHT",
    quantity: 48,
    available: 50,
    restockedAt: "2025-03-14T11:00:00.000Z",
  },
  view: { summary: "{sku}: +{quantity} → {available}", refreshes: STOCK },
});

export const stockLow = defineTopic({
  name: "stock.low",
  version: 1,
  description:
    "The available stock of a SKU fell to or below its threshold. Client-monitoring raises a stock_low alert.",
  schema: z.object({
    sku: sku(),
    available: stockLevel("Units available now."),
    threshold: stockLevel("The level at or below which stock counts as low."),
    detectedAt: timestamp("When the low level was seen"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "sku",
  example: {
    sku: "TSHIRT-BLK-M",
    available: 3,
    threshold: 5,
    detectedAt: "2025-03-14T09:26:53.589Z",
  },
  view: { summary: "{sku}: {available} left (threshold {threshold})", refreshes: STOCK },
});

export const reservationCommitted = defineTopic({
  name: "reservation.committed",
  version: 1,
  description:
    "An order's reserved stock became shipped stock, because its shipment was dispatched. From here on the order can no longer be cancelled.",
  schema: z.object({
    orderId: orderId(),
    lines: stockLines("The units that moved from reserved to shipped."),
    committedAt: timestamp("When the reservation was committed"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1042",
    lines: [
      { sku: "TSHIRT-BLK-M", quantity: 2 },
      { sku: "MUG-WHT", quantity: 1 },
    ],
    committedAt: "2025-03-14T10:15:00.120Z",
  },
  view: { summary: "{lines:lines} shipped", orderStatus: "dispatched", refreshes: STOCK },
});

export const RESERVATION_RELEASE_REASONS = [
  "order_cancelled",
  "shipment_failed",
  "shipment_cancelled",
] as const;

export const reservationReleased = defineTopic({
  name: "reservation.released",
  version: 1,
  description:
    "An order's reserved stock went back to available: the compensation step of the order saga, after a cancellation or a failed or cancelled shipment.",
  schema: z.object({
    orderId: orderId(),
    lines: stockLines("The units that went back from reserved to available."),
    reason: z.enum(RESERVATION_RELEASE_REASONS).describe("What caused the release."),
    releasedAt: timestamp("When the reservation was released"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "orderId",
  example: {
    orderId: "ord-1044",
    lines: [{ sku: "TSHIRT-BLK-M", quantity: 1 }],
    reason: "order_cancelled",
    releasedAt: "2025-03-14T09:30:00.000Z",
  },
  view: { summary: "{lines:lines} back in stock · {reason:words}", refreshes: STOCK },
});

export const productPriceChanged = defineTopic({
  name: "product.price-changed",
  version: 1,
  description:
    "The unit price of an existing product changed (PUT /products/:sku with a new price). Orders placed from then on pay the new price.",
  schema: z.object({
    sku: sku(),
    previousPriceCents: cents("The unit price before the change"),
    priceCents: cents("The unit price from now on"),
    changedAt: timestamp("When the price changed"),
  }),
  publisher: "inventory",
  consumers: ["client-monitoring"],
  partitionKey: "sku",
  example: {
    sku: "MUG-WHT",
    previousPriceCents: 899,
    priceCents: 999,
    changedAt: "2025-03-14T08:00:00.000Z",
  },
  view: {
    summary: "{sku}: {previousPriceCents:money} → {priceCents:money}",
    refreshes: STOCK,
  },
});

/** The stock, reservation and product topics, in catalog order: listing a topic here puts it in the catalog. */
export const stockTopics = [
  stockRestocked,
  stockLow,
  reservationCommitted,
  reservationReleased,
  productPriceChanged,
] as const;
