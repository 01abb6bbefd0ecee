import { randomInt, randomUUID } from "node:crypto";
import { fnv1a32 } from "@retail/bus";
import { fields } from "@retail/contracts";
import { z } from "zod";

export const SHIPMENT_STATUSES = [
  "pending",
  "dispatched",
  "delivered",
  "cancelled",
  "failed",
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** Why a shipment failed or was cancelled (snake_case codes, as in the events). */
export const UNSUPPORTED_COUNTRY = "unsupported_country";
export const ORDER_CANCELLED = "order_cancelled";

const { timestamp } = fields;

export const historyEntrySchema = z.object({
  status: z.enum(SHIPMENT_STATUSES),
  at: timestamp("When the shipment entered this status"),
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

/** A shipment as the HTTP API shows it. */
export const shipmentSchema = z
  .object({
    shipmentId: fields.shipmentId(),
    orderId: fields.id("The order it ships."),
    status: z.enum(SHIPMENT_STATUSES).describe("Where the shipment is in its life."),
    carrier: z.string().describe("The carrier that moves the parcel, e.g. `dhl`."),
    trackingNumber: z.string().describe("The carrier's tracking number."),
    destinationCountry: z.string().describe("ISO 3166-1 alpha-2 code of the destination."),
    reason: z
      .string()
      .optional()
      .describe("Why it failed or was cancelled: `unsupported_country`, `order_cancelled`."),
    history: z.array(historyEntrySchema).min(1).describe("Every status it has had, oldest first."),
    createdAt: timestamp("When the shipment was created"),
    updatedAt: timestamp("When its status last changed"),
  })
  .describe("A shipment: the one parcel of one order.");
export type Shipment = z.output<typeof shipmentSchema>;

/** A shipment as stored: the public fields plus what continues the order's saga. */
export interface StoredShipment extends Shipment {
  /** Correlation id of the order's flow, carried by every event of the shipment. */
  correlationId: string;
  /** Id of the last event published about the shipment: the cause of the next one. */
  lastEventId: string;
  /**
   * W3C traceparent of the order.placed that created it: the events its timers publish
   * continue the order's trace from there. Absent on shipments stored before it was kept.
   */
  traceparent?: string;
}

const storedSchema = shipmentSchema.extend({
  history: z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: "custom", message: "history is not JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.array(historyEntrySchema).min(1)),
  correlationId: z.string(),
  lastEventId: z.string(),
  traceparent: z.string().optional(),
});

/** The hash fields of a new shipment, as `HSET` arguments. */
export function toHashFields(shipment: StoredShipment): string[] {
  const fields: string[] = [
    "shipmentId",
    shipment.shipmentId,
    "orderId",
    shipment.orderId,
    "status",
    shipment.status,
    "carrier",
    shipment.carrier,
    "trackingNumber",
    shipment.trackingNumber,
    "destinationCountry",
    shipment.destinationCountry,
    "history",
    JSON.stringify(shipment.history),
    "createdAt",
    shipment.createdAt,
    "updatedAt",
    shipment.updatedAt,
    "correlationId",
    shipment.correlationId,
    "lastEventId",
    shipment.lastEventId,
  ];
  if (shipment.reason !== undefined) fields.push("reason", shipment.reason);
  if (shipment.traceparent !== undefined) fields.push("traceparent", shipment.traceparent);
  return fields;
}

/** A stored hash back to a shipment; undefined when there is none. Throws on a corrupt record. */
export function fromHash(hash: Record<string, string>): StoredShipment | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  return storedSchema.parse(hash);
}

/** What clients see: the stored shipment without the saga bookkeeping. */
export function publicView(stored: StoredShipment): Shipment {
  const {
    correlationId: _correlationId,
    lastEventId: _lastEventId,
    traceparent: _traceparent,
    ...shipment
  } = stored;
  return shipment;
}

/** A new, unique shipment id. */
export function newShipmentId(): string {
  return `shp_${randomUUID()}`;
}

/** The carrier of an order: the same one for the same order id, on every instance. */
export function pickCarrier(orderId: string, carriers: readonly string[]): string {
  const carrier = carriers[fnv1a32(orderId) % carriers.length];
  if (carrier === undefined) throw new RangeError("at least one carrier is needed");
  return carrier;
}

/** A tracking number in the carrier's style: its name in capitals and 12 digits. */
export function newTrackingNumber(carrier: string): string {
  const digits = Array.from({ length: 12 }, () => randomInt(10)).join("");
  return `${carrier.toUpperCase().replaceAll("-", "")}${digits}`;
}
