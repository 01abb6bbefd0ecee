export type {
  BusOverview,
  ConsumerStats,
  DeadLetterQuery,
  EntryPosition,
  GroupStats,
  PartitionStats,
  TopicStats,
} from "./admin.js";
export { BusAdmin } from "./admin.js";
export { Bus, type BusOptions, createBus } from "./bus.js";
export type { DeadLetter, DeadLetterReason } from "./dead-letter.js";
export { decodeEnvelope, type Envelope, encodeEnvelope } from "./envelope.js";
export {
  AdminBatchAbortedError,
  BusClosedError,
  BusError,
  BusNotReadyError,
  CrossSlotError,
  DeadlinePassedError,
  EnvelopeError,
  HandlerRejectedError,
  HandlerTimeoutError,
  LuaScriptError,
  NonRetryableError,
  NotPublisherError,
  NotReplicatedError,
  PayloadValidationError,
  PublishTimeoutError,
  StepError,
  SubscriptionError,
  UnknownTopicError,
  type ValidationIssue,
} from "./errors.js";
export {
  deadLetterKey,
  outboxKey,
  parkedKey,
  processedKey,
  retryRecordsKey,
  streamKey,
  trimmedKey,
} from "./keys.js";
export { LuaScript, type ReplicaWait } from "./lua-script.js";
export type { RelayOptions } from "./outbox-relay.js";
export { fnv1a32, partitionFor } from "./partitioning.js";
export type { PublishOptions } from "./publisher.js";
export type { BroadcastChannel, DirectChannel, PubSub } from "./pubsub.js";
export type { RedisClient, RedisConnection } from "./redis.js";
export { defineScript, ServiceScript } from "./service-script.js";
export { keySlot } from "./slots.js";
export type { Duplicate, Fill, Step, StepEvent, StepEventOptions } from "./step.js";
export {
  type Handler,
  type HandlerContext,
  SUBSCRIBE_DEFAULTS,
  type SubscribeOptions,
} from "./subscription.js";
