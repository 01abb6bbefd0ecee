import { processedKey } from "@retail/bus";

/**
 * Every Redis key shipping owns. All carry the `{shipping}` hash tag, so they live in
 * one Redis Cluster slot together with the group's processed-event marks and a Lua
 * script may touch any of them at once.
 */
export const SERVICE_NAME = "shipping";

const TAG = `{${SERVICE_NAME}}`;

/** Hash: one shipment (fields of `StoredShipment`, `history` as a JSON array). */
export function shipmentKey(shipmentId: string): string {
  return `${TAG}:shipment:${shipmentId}`;
}

/** String: the id of the one shipment of an order, written with `SET NX`. */
export function shipmentByOrderKey(orderId: string): string {
  return `${TAG}:shipment-by-order:${orderId}`;
}

/** String with a TTL: an order.cancel-requested that arrived before its order.placed. */
export function cancelledOrderKey(orderId: string): string {
  return `${TAG}:cancelled-order:${orderId}`;
}

/** Sorted set of due carrier steps: member `<shipmentId>|<step>`, score = due time (epoch ms). */
export const TIMERS_KEY = `${TAG}:timers`;

/** The bus's processed-event marks of shipping's consumer group (same slot as the keys above). */
export const PROCESSED_KEY = processedKey(SERVICE_NAME);

/** The carrier steps that run on timers. */
export const STEPS = ["dispatch", "deliver"] as const;
export type Step = (typeof STEPS)[number];

export function timerMember(shipmentId: string, step: Step): string {
  return `${shipmentId}|${step}`;
}

/** `<shipmentId>|<step>` back to its parts; undefined for a member this version does not know. */
export function parseTimerMember(member: string): { shipmentId: string; step: Step } | undefined {
  const separator = member.lastIndexOf("|");
  if (separator <= 0) return undefined;
  const step = member.slice(separator + 1);
  const known = STEPS.find((candidate) => candidate === step);
  return known ? { shipmentId: member.slice(0, separator), step: known } : undefined;
}
