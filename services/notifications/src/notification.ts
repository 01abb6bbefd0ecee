import type { Envelope } from "@retail/bus";
import {
  fields,
  type OrderDelivered,
  type OrderFailed,
  type OrderPlaced,
  type ShipmentDispatched,
} from "@retail/contracts";
import { z } from "zod";

/** What a notification tells the customer, one per consumed topic. */
export const NOTIFICATION_KINDS = ["confirmed", "dispatched", "delivered", "failed"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

const common = {
  id: fields.id(
    "The notification's id: the id of the event it tells of. The same notification may arrive twice; clients drop the copy by this id.",
  ),
  customerId: fields.customerId(),
  orderId: fields.orderId(),
  at: fields.timestamp("When it happened"),
};

/**
 * A message to a customer's client apps about one of their orders, as sent on the
 * customer's Pub/Sub channel, kept in Redis and written to SSE streams.
 */
export const notificationSchema = z.discriminatedUnion("kind", [
  z.object({
    ...common,
    kind: z.literal("confirmed").describe("The order was accepted (order.placed)."),
    totalCents: fields.cents("What the order costs"),
  }),
  z.object({
    ...common,
    kind: z
      .literal("dispatched")
      .describe("The carrier picked the parcel up (shipment.dispatched)."),
    shipmentId: fields.shipmentId(),
    carrier: fields.text("The carrier that moves the parcel.", 64),
    trackingNumber: fields.id("The carrier's tracking number."),
  }),
  z.object({
    ...common,
    kind: z.literal("delivered").describe("The order reached the customer (order.delivered)."),
    shipmentId: fields.shipmentId(),
  }),
  z.object({
    ...common,
    kind: z.literal("failed").describe("The order could not be fulfilled (order.failed)."),
    reason: fields.reasonCode("Why it failed, e.g. `unsupported_country`"),
  }),
]);
export type Notification = z.output<typeof notificationSchema>;

/** order.placed → the order is confirmed. */
export function confirmed(event: Envelope<OrderPlaced>): Notification {
  const { orderId, customerId, totalCents, placedAt } = event.payload;
  return { id: event.id, customerId, orderId, at: placedAt, kind: "confirmed", totalCents };
}

/** shipment.dispatched → the parcel is on its way. */
export function dispatched(event: Envelope<ShipmentDispatched>, customerId: string): Notification {
  const { orderId, shipmentId, carrier, trackingNumber, dispatchedAt } = event.payload;
  return {
    id: event.id,
    customerId,
    orderId,
    at: dispatchedAt,
    kind: "dispatched",
    shipmentId,
    carrier,
    trackingNumber,
  };
}

/** order.delivered → the order arrived. */
export function delivered(event: Envelope<OrderDelivered>, customerId: string): Notification {
  const { orderId, shipmentId, deliveredAt } = event.payload;
  return { id: event.id, customerId, orderId, at: deliveredAt, kind: "delivered", shipmentId };
}

/** order.failed → the order will not arrive. */
export function failed(event: Envelope<OrderFailed>, customerId: string): Notification {
  const { orderId, reason, failedAt } = event.payload;
  return { id: event.id, customerId, orderId, at: failedAt, kind: "failed", reason };
}
