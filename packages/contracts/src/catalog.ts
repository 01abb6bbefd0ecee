import { alertTopics } from "./alerts.js";
import { clientTopics } from "./clients.js";
import { orderTopics } from "./orders.js";
import { shipmentTopics } from "./shipments.js";
import { stockTopics } from "./stock.js";
import {
  type DomainOf,
  defineCatalog,
  type PayloadInputOf,
  type PayloadOf,
  type ServiceName,
  type ShownTopic,
  type TopicName,
} from "./topic.js";

/**
 * Every topic of the system, domain by domain: a topic listed in its domain's list is
 * in the catalog. Each must carry its example and its view (the `satisfies` says so),
 * because the docs, the dashboard and the CLI take them from here.
 */
const topics = [
  ...orderTopics,
  ...stockTopics,
  ...shipmentTopics,
  ...clientTopics,
  ...alertTopics,
] as const satisfies readonly ShownTopic[];

/** Every topic of the system, keyed by name. */
export const catalog = defineCatalog(...topics);

export type RetailCatalog = typeof catalog;
export type RetailTopicName = TopicName<RetailCatalog>;
/** The parsed payload of a topic of the catalog. */
export type RetailPayload<T extends RetailTopicName> = PayloadOf<RetailCatalog, T>;
/** The payload a publisher passes for a topic of the catalog. */
export type RetailPayloadInput<T extends RetailTopicName> = PayloadInputOf<RetailCatalog, T>;
/** The domains of the catalog: the first words of its topic names (`order`, `stock`, …). */
export type RetailDomain = DomainOf<RetailTopicName>;

export const topicNames: readonly RetailTopicName[] = Object.keys(catalog) as RetailTopicName[];

/**
 * Each topic's example payload, keyed by name: realistic payloads that pass their
 * schemas, for tests and docs.
 */
export const examplePayloads = Object.fromEntries(
  topicNames.map((name) => [name, catalog[name].example]),
) as { readonly [T in RetailTopicName]: RetailPayloadInput<T> };

/** The topics a service publishes, in catalog order. */
export function topicsPublishedBy(service: ServiceName): RetailTopicName[] {
  return topicNames.filter((name) => catalog[name].publisher === service);
}

/** The topics a service subscribes to (one consumer group each), in catalog order. */
export function topicsConsumedBy(service: ServiceName): RetailTopicName[] {
  return topicNames.filter((name) =>
    (catalog[name].consumers as readonly string[]).includes(service),
  );
}

export type OrderPlaced = RetailPayload<"order.placed">;
export type OrderRejected = RetailPayload<"order.rejected">;
export type OrderCancelRequested = RetailPayload<"order.cancel-requested">;
export type OrderCancelled = RetailPayload<"order.cancelled">;
export type OrderCancelRefused = RetailPayload<"order.cancel-refused">;
export type OrderFailed = RetailPayload<"order.failed">;
export type OrderDelivered = RetailPayload<"order.delivered">;
export type StockRestocked = RetailPayload<"stock.restocked">;
export type StockLow = RetailPayload<"stock.low">;
export type ReservationCommitted = RetailPayload<"reservation.committed">;
export type ReservationReleased = RetailPayload<"reservation.released">;
export type ShipmentCreated = RetailPayload<"shipment.created">;
export type ShipmentDispatched = RetailPayload<"shipment.dispatched">;
export type ShipmentDelivered = RetailPayload<"shipment.delivered">;
export type ShipmentCancelled = RetailPayload<"shipment.cancelled">;
export type ShipmentCancelRefused = RetailPayload<"shipment.cancel-refused">;
export type ShipmentFailed = RetailPayload<"shipment.failed">;
export type ClientOnline = RetailPayload<"client.online">;
export type ClientOffline = RetailPayload<"client.offline">;
export type ClientTelemetry = RetailPayload<"client.telemetry">;
export type TelemetryEvent = ClientTelemetry["events"][number];
export type AlertRaised = RetailPayload<"alert.raised">;
