import type { Bus } from "@retail/bus";
import type { OrderPlaced, RetailCatalog } from "@retail/contracts";

/** The bus of this service, typed with the retail catalog. */
export type InventoryBus = Bus<RetailCatalog>;

/** A product and its stock. Invariant: `available + reserved + shipped = received`. */
export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  /** Units that can be ordered. Negative only after the cancel/dispatch race (see README). */
  available: number;
  /** Units held by accepted orders not yet dispatched. */
  reserved: number;
  /** Units that left with dispatched shipments. */
  shipped: number;
  /** Units ever stocked: at creation, by `PUT` adjustments and by restocks. */
  received: number;
  /** The product's own low-stock threshold, if it has one (else the service default). */
  lowStockThreshold?: number | undefined;
  createdAt: string;
  updatedAt: string;
}

/** The product hash fields, in the order `productFrom` reads them. */
export const PRODUCT_FIELDS = [
  "sku",
  "name",
  "priceCents",
  "available",
  "reserved",
  "shipped",
  "received",
  "lowStockThreshold",
  "createdAt",
  "updatedAt",
] as const;

/** A product from `HMGET <key> ...PRODUCT_FIELDS` (Lua nil may arrive as `false`). */
export function productFrom(values: readonly unknown[]): Product | undefined {
  const [
    sku,
    name,
    priceCents,
    available,
    reserved,
    shipped,
    received,
    threshold,
    created,
    updated,
  ] = values.map((value) => (typeof value === "string" ? value : undefined));
  if (sku === undefined || name === undefined) return undefined;
  return {
    sku,
    name,
    priceCents: Number(priceCents),
    available: Number(available),
    reserved: Number(reserved),
    shipped: Number(shipped),
    received: Number(received),
    lowStockThreshold: threshold === undefined ? undefined : Number(threshold),
    createdAt: created ?? "",
    updatedAt: updated ?? "",
  };
}

export const ORDER_STATUSES = [
  "reserved",
  "cancel_requested",
  "dispatched",
  "delivered",
  "cancelled",
  "failed",
  "rejected",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Where a cancel request stands: `requested` until shipping answers, `refused` once it
 * said no. (An accepted one is the status `cancelled`.) Absent when nobody asked.
 */
export const CANCEL_STATES = ["requested", "refused"] as const;
export type CancelState = (typeof CANCEL_STATES)[number];

/**
 * Where an order's units are, independently of its status: `held` (reserved),
 * `released` (back to available), `shipped`, or `none` (a rejected order reserved nothing).
 */
export const RESERVATION_STATES = ["held", "released", "shipped", "none"] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

export type OrderLine = OrderPlaced["lines"][number];
export type ShippingAddress = OrderPlaced["shippingAddress"];

/** A line an out-of-stock order could not be served. */
export interface ShortLine {
  sku: string;
  requested: number;
  available: number;
}

export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  reservation: ReservationState;
  lines: OrderLine[];
  totalCents: number;
  shippingAddress: ShippingAddress;
  createdAt: string;
  updatedAt: string;
  shipmentId?: string | undefined;
  /** Why the order is cancelled, failed or rejected. */
  reason?: string | undefined;
  /** A cancel request's state, if one was made. */
  cancel?: CancelState | undefined;
  /** The reason given with the cancel request. */
  cancelReason?: string | undefined;
  /** Why shipping refused the cancel (e.g. `already_dispatched`). */
  cancelRefused?: string | undefined;
  /** The lines that were short, for a rejected order. */
  rejectedLines?: ShortLine[] | undefined;
}

/** The order hash fields, in the order `orderFrom` reads them. */
export const ORDER_FIELDS = [
  "orderId",
  "customerId",
  "status",
  "stock",
  "lines",
  "totalCents",
  "shippingAddress",
  "createdAt",
  "updatedAt",
  "shipmentId",
  "reason",
  "rejectedLines",
  "cancel",
  "cancelReason",
  "cancelRefused",
] as const;

/** An order from `HMGET <key> ...ORDER_FIELDS`. */
export function orderFrom(values: readonly unknown[]): Order | undefined {
  const [
    orderId,
    customerId,
    status,
    stock,
    lines,
    totalCents,
    address,
    createdAt,
    updatedAt,
    shipmentId,
    reason,
    rejectedLines,
    cancel,
    cancelReason,
    cancelRefused,
  ] = values.map((value) => (typeof value === "string" ? value : undefined));
  if (orderId === undefined || status === undefined || lines === undefined) return undefined;
  return {
    orderId,
    customerId: customerId ?? "",
    status: status as OrderStatus,
    reservation: (stock ?? "none") as ReservationState,
    lines: JSON.parse(lines) as OrderLine[],
    totalCents: Number(totalCents),
    shippingAddress: JSON.parse(address ?? "{}") as ShippingAddress,
    createdAt: createdAt ?? "",
    updatedAt: updatedAt ?? "",
    shipmentId,
    reason,
    rejectedLines:
      rejectedLines === undefined ? undefined : (JSON.parse(rejectedLines) as ShortLine[]),
    cancel: cancel as CancelState | undefined,
    cancelReason,
    cancelRefused,
  };
}
