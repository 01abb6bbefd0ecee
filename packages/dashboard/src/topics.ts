import type { RetailTopicName } from "@retail/contracts";

/** How a summary shows a payload value: `{path}` is `text`, `{path:money}` is `money`. */
export const SUMMARY_FORMATS = [
  /** The value as it is. */
  "text",
  /** A snake_case code as words: `unsupported_country` → `unsupported country`. */
  "words",
  /** Integer cents as an amount of money. */
  "money",
  /** Order or stock lines: `2× SKU, 1× SKU`. */
  "lines",
  /** Short lines of a refused order: `2× SKU (1 left)`. */
  "shortages",
  /** How many items an array has. */
  "count",
] as const;
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

/** What the page shows for an order after an event (the last event that says wins). */
export type OrderStatus =
  | "reserved"
  | "dispatched"
  | "delivered"
  | "failed"
  | "cancelled"
  | "rejected";

/** The side panels an event changes, refreshed when it arrives. */
export type Panel = "products" | "alerts" | "clients";

/** How the dashboard shows one topic's events. */
export interface TopicView {
  /**
   * One line about an event: text with `{path}` or `{path:format}` placeholders, where
   * `path` is a payload field (`shippingAddress.country` reaches into an object).
   */
  summary: string;
  /** The order's status once this event is in its timeline. */
  orderStatus?: OrderStatus;
  /** The saga step it marks on the progress bar: its position there, and label. */
  step?: { position: number; label: string };
  /** `asked` opens a cancel request; `answered` closes it. */
  cancel?: "asked" | "answered";
  /** Panels to refresh when it arrives. */
  refreshes?: readonly Panel[];
}

const STOCK: readonly Panel[] = ["products"];

/**
 * Every topic of the catalog, as the page shows it: a topic added to the catalog without
 * an entry here fails the type check. Served as `GET /topics.json` by client-monitoring.
 */
export const topicViews = {
  "order.placed": {
    summary: "{lines:lines} · {totalCents:money} → {shippingAddress.country}",
    orderStatus: "reserved",
    step: { position: 0, label: "placed" },
    refreshes: STOCK,
  },
  "order.rejected": {
    summary: "out of stock: {lines:shortages}",
    orderStatus: "rejected",
    refreshes: STOCK,
  },
  "order.cancel-requested": {
    summary: "cancel asked: {reason}",
    cancel: "asked",
    refreshes: STOCK,
  },
  "order.cancelled": {
    summary: "{reason:words}",
    orderStatus: "cancelled",
    cancel: "answered",
    refreshes: STOCK,
  },
  "order.cancel-refused": { summary: "{reason:words}", cancel: "answered", refreshes: STOCK },
  "order.failed": { summary: "{reason:words}", orderStatus: "failed", refreshes: STOCK },
  "order.delivered": { summary: "closed: delivered", orderStatus: "delivered", refreshes: STOCK },
  "stock.restocked": { summary: "{sku}: +{quantity} → {available}", refreshes: STOCK },
  "stock.low": { summary: "{sku}: {available} left (threshold {threshold})", refreshes: STOCK },
  "reservation.committed": {
    summary: "{lines:lines} shipped",
    orderStatus: "dispatched",
    refreshes: STOCK,
  },
  "reservation.released": {
    summary: "{lines:lines} back in stock · {reason:words}",
    refreshes: STOCK,
  },
  "shipment.created": {
    summary: "{carrier} {trackingNumber} → {destinationCountry}",
    step: { position: 1, label: "shipment" },
  },
  "shipment.dispatched": {
    summary: "{carrier} {trackingNumber}",
    orderStatus: "dispatched",
    step: { position: 2, label: "dispatched" },
  },
  "shipment.delivered": {
    summary: "{carrier} {trackingNumber}",
    orderStatus: "delivered",
    step: { position: 3, label: "delivered" },
  },
  "shipment.cancelled": { summary: "{reason:words}", orderStatus: "cancelled" },
  "shipment.cancel-refused": { summary: "{reason:words} ({status})" },
  "shipment.failed": { summary: "{reason:words}", orderStatus: "failed" },
  "client.online": { summary: "{clientId} · {app} {version}", refreshes: ["clients"] },
  "client.offline": { summary: "{clientId} · {app} {version}", refreshes: ["clients"] },
  "client.telemetry": {
    summary: "{clientId} · {events:count} telemetry events",
    refreshes: ["clients"],
  },
  "alert.raised": { summary: "{severity}: {message}", refreshes: ["alerts"] },
} satisfies Record<RetailTopicName, TopicView>;
