import type { Bus, PreparedEvent } from "@retail/bus";
import type { OrderPlaced, RetailCatalog } from "@retail/contracts";
import {
  cancelledOrderKey,
  PROCESSED_KEY,
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
  cancelledOrderTtlMs: number;
  /** How long a terminal shipment and its shipment-by-order key are kept, ms; `0` forever. */
  shipmentRetentionMs: number;
}

/** The event being handled: its id is marked processed in the same step as its effect. */
export interface Cause {
  eventId: string;
  correlationId: string;
  /**
   * The handled event's W3C traceparent, kept with a new shipment so that the events its
   * timers publish later stay in the order's trace. Default: none (they start their own).
   */
  traceparent?: string;
}

/** A new shipment ready for the CREATE_SHIPMENT script, in both of its possible forms. */
export interface ShipmentPlan {
  keys: string[];
  args: (string | number)[];
  /** Pending (with a dispatch timer and shipment.created) or failed (with shipment.failed). */
  normal: StoredShipment;
  /** Cancelled (with shipment.cancelled): the form taken when the order's cancellation came first. */
  cancelled: StoredShipment;
  /** Each form's event, to mark published once the script has appended it. */
  events: { normal: PreparedEvent; cancelled: PreparedEvent };
}

/**
 * Decide the order's shipment: id, carrier, tracking number, status by destination,
 * and its events, validated and encoded now. Nothing is written; which form is stored
 * is decided atomically by the script, which alone knows whether a cancellation is
 * waiting for the order.
 */
export function planShipment(
  order: OrderPlaced,
  cause: Cause,
  context: { bus: Bus<RetailCatalog>; rules: ShippingRules; nowMs: number },
): ShipmentPlan {
  const { bus, rules, nowMs } = context;
  const at = new Date(nowMs).toISOString();
  const { orderId } = order;
  const shipmentId = newShipmentId();
  const carrier = pickCarrier(orderId, rules.carriers);
  const trackingNumber = newTrackingNumber(carrier);
  const destinationCountry = order.shippingAddress.country;
  // The trace of the order: without an OpenTelemetry SDK this is what keeps these events
  // in it (with one, the handler's active span stays their parent).
  const eventOptions = {
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    ...(cause.traceparent === undefined ? {} : { traceparent: cause.traceparent }),
  };
  const supported = rules.countries.has(destinationCountry);

  const normalEvent = supported
    ? bus.prepare(
        "shipment.created",
        { shipmentId, orderId, carrier, trackingNumber, destinationCountry, createdAt: at },
        eventOptions,
      )
    : bus.prepare(
        "shipment.failed",
        { shipmentId, orderId, reason: UNSUPPORTED_COUNTRY, failedAt: at },
        eventOptions,
      );
  const cancelledEvent = bus.prepare(
    "shipment.cancelled",
    { shipmentId, orderId, reason: ORDER_CANCELLED, cancelledAt: at },
    eventOptions,
  );

  const base = {
    shipmentId,
    orderId,
    carrier,
    trackingNumber,
    destinationCountry,
    createdAt: at,
    updatedAt: at,
    correlationId: cause.correlationId,
    ...(cause.traceparent === undefined ? {} : { traceparent: cause.traceparent }),
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

  const args: (string | number)[] = [
    cause.eventId,
    Date.now(),
    shipmentId,
    rules.shipmentRetentionMs,
  ];
  const forms = [
    {
      shipment: normal,
      timer: supported
        ? [timerMember(shipmentId, "dispatch"), nowMs + rules.dispatchDelayMs]
        : ["", 0],
      event: normalEvent,
    },
    { shipment: cancelled, timer: ["", 0], event: cancelledEvent },
  ];
  for (const { shipment, timer, event } of forms) {
    const fields = toHashFields(shipment);
    args.push(fields.length, ...fields, ...timer, event.args.length, ...event.args);
  }
  const keys = [
    PROCESSED_KEY,
    shipmentByOrderKey(orderId),
    shipmentKey(shipmentId),
    TIMERS_KEY,
    cancelledOrderKey(orderId),
    normalEvent.stream,
    cancelledEvent.stream,
  ];
  return {
    keys,
    args,
    normal,
    cancelled,
    events: { normal: normalEvent, cancelled: cancelledEvent },
  };
}
