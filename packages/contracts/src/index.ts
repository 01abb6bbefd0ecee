export {
  ALERT_KINDS,
  ALERT_SEVERITIES,
} from "./alerts.js";
export {
  type AlertRaised,
  type ClientOffline,
  type ClientOnline,
  type ClientTelemetry,
  catalog,
  type OrderCancelled,
  type OrderCancelRefused,
  type OrderCancelRequested,
  type OrderDelivered,
  type OrderFailed,
  type OrderPlaced,
  type OrderRejected,
  type ReservationCommitted,
  type ReservationReleased,
  type RetailCatalog,
  type RetailPayload,
  type RetailPayloadInput,
  type RetailTopicName,
  type ShipmentCancelled,
  type ShipmentCancelRefused,
  type ShipmentCreated,
  type ShipmentDelivered,
  type ShipmentDispatched,
  type ShipmentFailed,
  type StockLow,
  type StockRestocked,
  type TelemetryEvent,
  topicNames,
  topicsConsumedBy,
  topicsPublishedBy,
} from "./catalog.js";
export {
  type Envelope,
  type EnvelopeMetadata,
  EVENT_ID_PATTERN,
  envelopeMetadataSchema,
  envelopeSchemaFor,
  MAX_SOURCE_LENGTH,
  MAX_TRACESTATE_LENGTH,
  MAX_VERSION,
  TRACEPARENT_PATTERN,
} from "./envelope.js";
export {
  ContractError,
  DuplicateTopicError,
  InvalidTopicError,
  PartitionKeyError,
  type TopicRule,
} from "./errors.js";
export { examplePayloads } from "./examples.js";
/** The field schemas the topics are built from, for HTTP APIs that accept the same fields. */
export * as fields from "./fields.js";
export { CLIENT_APPS } from "./fields.js";
export { CANCEL_REFUSAL_REASONS } from "./shipments.js";
export { RESERVATION_RELEASE_REASONS } from "./stock.js";
export {
  type Catalog,
  DEFAULT_PARTITIONS,
  DEFAULT_RETENTION,
  defineCatalog,
  defineTopic,
  type PayloadInputOf,
  type PayloadOf,
  partitionKeyOf,
  partitionsOf,
  type Retention,
  retentionOf,
  SERVICE_NAMES,
  type ServiceName,
  type StringFieldOf,
  TOPIC_NAME_PATTERN,
  type TopicDefinition,
  type TopicName,
} from "./topic.js";
