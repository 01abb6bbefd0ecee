import { z } from "zod";
import { countryCode, id, orderId, reasonCode, shipmentId, text, timestamp } from "./fields.js";
import { defineTopic } from "./topic.js";

const SHIPMENT_CONSUMERS = ["inventory", "client-monitoring"] as const;

const carrier = () => text("The carrier that moves the parcel, e.g. `dhl`.", 64);
const trackingNumber = () => id("The carrier's tracking number.");

export const shipmentCreated = defineTopic({
  name: "shipment.created",
  version: 1,
  description:
    "Shipping accepted a placed order and created its one shipment; the carrier's steps follow on durable timers.",
  schema: z.object({
    shipmentId: shipmentId(),
    orderId: orderId(),
    carrier: carrier(),
    trackingNumber: trackingNumber(),
    destinationCountry: countryCode(),
    createdAt: timestamp("When the shipment was created"),
  }),
  publisher: "shipping",
  consumers: SHIPMENT_CONSUMERS,
  partitionKey: "orderId",
  example: {
    shipmentId: "shp-5001",
    orderId: "ord-1042",
    carrier: "dhl",
    trackingNumber: "JD014600006281230704",
    destinationCountry: "GB",
    createdAt: "2025-03-14T09:26:54.031Z",
  },
  view: {
    summary: "{carrier} {trackingNumber} → {destinationCountry} · {shipmentId}",
    step: { position: 1, label: "shipment" },
  },
});

export const shipmentDispatched = defineTopic({
  name: "shipment.dispatched",
  version: 1,
  description:
    "The carrier picked the parcel up. Inventory turns the order's reservation into shipped stock (reservation.committed); the order can no longer be cancelled.",
  schema: z.object({
    shipmentId: shipmentId(),
    orderId: orderId(),
    carrier: carrier(),
    trackingNumber: trackingNumber(),
    dispatchedAt: timestamp("When the carrier picked the parcel up"),
  }),
  publisher: "shipping",
  consumers: [...SHIPMENT_CONSUMERS, "notifications"],
  partitionKey: "orderId",
  example: {
    shipmentId: "shp-5001",
    orderId: "ord-1042",
    carrier: "dhl",
    trackingNumber: "JD014600006281230704",
    dispatchedAt: "2025-03-14T10:15:00.000Z",
  },
  view: {
    summary: "{carrier} {trackingNumber} · {shipmentId}",
    orderStatus: "dispatched",
    step: { position: 2, label: "dispatched" },
  },
});

export const shipmentDelivered = defineTopic({
  name: "shipment.delivered",
  version: 1,
  description: "The carrier delivered the parcel. Inventory closes the order (order.delivered).",
  schema: z.object({
    shipmentId: shipmentId(),
    orderId: orderId(),
    carrier: carrier(),
    trackingNumber: trackingNumber(),
    deliveredAt: timestamp("When the parcel was delivered"),
  }),
  publisher: "shipping",
  consumers: SHIPMENT_CONSUMERS,
  partitionKey: "orderId",
  example: {
    shipmentId: "shp-5001",
    orderId: "ord-1042",
    carrier: "dhl",
    trackingNumber: "JD014600006281230704",
    deliveredAt: "2025-03-15T14:02:40.000Z",
  },
  view: {
    summary: "{carrier} {trackingNumber} · {shipmentId}",
    orderStatus: "delivered",
    step: { position: 3, label: "delivered" },
  },
});

export const shipmentCancelled = defineTopic({
  name: "shipment.cancelled",
  version: 1,
  description:
    "A shipment was cancelled before dispatch, usually because its order's cancel was requested (order.cancel-requested), possibly before the order reached shipping. Inventory cancels the order and releases any reservation still held.",
  schema: z.object({
    shipmentId: shipmentId(),
    orderId: orderId(),
    reason: reasonCode("Why it was cancelled, e.g. `order_cancelled`"),
    cancelledAt: timestamp("When the shipment was cancelled"),
  }),
  publisher: "shipping",
  consumers: SHIPMENT_CONSUMERS,
  partitionKey: "orderId",
  example: {
    shipmentId: "shp-5003",
    orderId: "ord-1044",
    reason: "order_cancelled",
    cancelledAt: "2025-03-14T09:30:00.210Z",
  },
  view: { summary: "{reason:words} · {shipmentId}", orderStatus: "cancelled" },
});

/** Why shipping refuses a cancel: the parcel left, or the shipment failed. */
export const CANCEL_REFUSAL_REASONS = ["already_dispatched", "shipment_failed"] as const;

export const shipmentCancelRefused = defineTopic({
  name: "shipment.cancel-refused",
  version: 1,
  description:
    "Shipping refused an order's cancel request because the shipment was already past pending: dispatched or delivered (the decision is atomic with the dispatch timer), or failed. Inventory keeps the order going and publishes order.cancel-refused.",
  schema: z.object({
    shipmentId: shipmentId(),
    orderId: orderId(),
    reason: z.enum(CANCEL_REFUSAL_REASONS).describe("Why the cancel was refused."),
    status: z
      .enum(["dispatched", "delivered", "failed"])
      .describe("The shipment's status when shipping decided."),
    refusedAt: timestamp("When shipping refused"),
  }),
  publisher: "shipping",
  consumers: SHIPMENT_CONSUMERS,
  partitionKey: "orderId",
  example: {
    shipmentId: "shp-5006",
    orderId: "ord-1046",
    reason: "already_dispatched",
    status: "dispatched",
    refusedAt: "2025-03-14T10:15:00.180Z",
  },
  view: { summary: "{reason:words} ({status}) · {shipmentId}" },
});

export const shipmentFailed = defineTopic({
  name: "shipment.failed",
  version: 1,
  description:
    "Shipping could not deliver an order, e.g. to an address it cannot serve. Inventory releases the reservation (compensation) and fails the order.",
  schema: z.object({
    shipmentId: shipmentId(),
    orderId: orderId(),
    reason: reasonCode("Why it failed, e.g. `unsupported_country`"),
    failedAt: timestamp("When the shipment failed"),
  }),
  publisher: "shipping",
  consumers: SHIPMENT_CONSUMERS,
  partitionKey: "orderId",
  example: {
    shipmentId: "shp-5004",
    orderId: "ord-1045",
    reason: "unsupported_country",
    failedAt: "2025-03-14T09:31:12.300Z",
  },
  view: { summary: "{reason:words} · {shipmentId}", orderStatus: "failed" },
});

/** The shipment topics, in catalog order: listing a topic here puts it in the catalog. */
export const shipmentTopics = [
  shipmentCreated,
  shipmentDispatched,
  shipmentDelivered,
  shipmentCancelled,
  shipmentCancelRefused,
  shipmentFailed,
] as const;
