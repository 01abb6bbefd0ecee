import { z } from "zod";
import { orderId, quantity, sku, stockLevel, stockLines, timestamp } from "./fields.js";
import { defineTopic } from "./topic.js";

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
});
