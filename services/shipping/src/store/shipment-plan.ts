import type { Envelope, Step } from "@retail/bus";
import type { OrderPlaced, RetailCatalog } from "@retail/contracts";
import {
  cancelledOrderKey,
  shipmentByOrderKey,
  shipmentKey,
  TIMERS_KEY,
  timerMember,
} from "../keys.js";
import {
  newShipmentId,
  newTrackingNumber,
  ORDER_CANCELLED,
  pickCarrier,
  type StoredShipment,
  toHashFields,
  UNSUPPORTED_COUNTRY,
} from "../shipment.js";

/** What deciding a new shipment needs to know about the carrier and the countries served. */
export interface ShippingRules {
  countries: ReadonlySet<string>;
  carriers: readonly string[];
  dispatchDelayMs: number;
  deliveryDelayMs: number;
  /** How long a terminal shipment and its shipment-by-order key are kept, ms; `0` forever. */
  shipmentRetentionMs: number;
}

/** A new shipment ready for create-shipment.lua, in both of its possible forms. */
export interface ShipmentPlan {
  /** What create-shipment.lua gets as `spec`. */
  spec: object;
  /** Pending (with a dispatch timer and shipment.created) or failed (with shipment.failed). */
  normal: StoredShipment;
  /** Cancelled (with shipment.cancelled): the form taken when the order's cancellation came first. */
  cancelled: StoredShipment;
}

/**
 * Decide the shipment of the handled order.placed: id, carrier, tracking number, status
 * by destination, and its events (they continue the order.placed: correlation,
 * causation, trace), validated and encoded now. Nothing is written; which form is
 * stored is decided atomically by the script, which alone knows whether a cancellation
 * is waiting for the order.
 */
export function planShipment(
  step: Step<RetailCatalog>,
  placed: Envelope<OrderPlaced>,
  context: { rules: ShippingRules; nowMs: number },
): ShipmentPlan {
  const { rules, nowMs } = context;
  const at = new Date(nowMs).toISOString();
  const { orderId } = placed.payload;
  const shipmentId = newShipmentId();
  const carrier = pickCarrier(orderId, rules.carriers);
  const trackingNumber = newTrackingNumber(carrier);
  const destinationCountry = placed.payload.shippingAddress.country;
  const supported = rules.countries.has(destinationCountry);

  const created = {
    shipmentId,
    orderId,
    carrier,
    trackingNumber,
    destinationCountry,
    createdAt: at,
  };
  const normalEvent = supported
    ? step.event("shipment.created", created)
    : step.event("shipment.failed", {
        shipmentId,
        orderId,
        reason: UNSUPPORTED_COUNTRY,
        failedAt: at,
      });
  const cancelledEvent = step.event("shipment.cancelled", {
    shipmentId,
    orderId,
    reason: ORDER_CANCELLED,
    cancelledAt: at,
  });

  // The order's correlation and trace stay with the shipment: the events its timers
  // publish later, outside any handler, continue them.
  const base = {
    ...created,
    updatedAt: at,
    correlationId: placed.correlationId,
    traceparent: placed.traceparent,
  };
  const status = supported ? "pending" : "failed";
  const normal: StoredShipment = {
    ...base,
    status,
    ...(supported ? {} : { reason: UNSUPPORTED_COUNTRY }),
    history: [{ status, at }],
    lastEventId: normalEvent.envelope.id,
  };
  const cancelled: StoredShipment = {
    ...base,
    status: "cancelled",
    reason: ORDER_CANCELLED,
    history: [{ status: "cancelled", at }],
    lastEventId: cancelledEvent.envelope.id,
  };

  const spec = {
    byOrder: step.key(shipmentByOrderKey(orderId)),
    shipment: step.key(shipmentKey(shipmentId)),
    timers: step.key(TIMERS_KEY),
    cancelledOrder: step.key(cancelledOrderKey(orderId)),
    shipmentId,
    retentionMs: rules.shipmentRetentionMs,
    normal: {
      status: normal.status,
      fields: toHashFields(normal),
      ...(supported
        ? {
            timer: {
              member: timerMember(shipmentId, "dispatch"),
              due: nowMs + rules.dispatchDelayMs,
            },
          }
        : {}),
      event: normalEvent,
    },
    cancelled: { status: cancelled.status, fields: toHashFields(cancelled), event: cancelledEvent },
  };
  return { spec, normal, cancelled };
}
