import { z } from "zod";
import { id, timestamp } from "./fields.js";
import { partitionKeyOf, TOPIC_NAME_PATTERN, type TopicDefinition } from "./topic.js";

/**
 * The formats of the envelope's fields, as patterns and limits as well as in
 * {@link envelopeMetadataSchema}: a decoder that cannot afford a zod parse per event
 * (the bus's) checks the same rules with them, and a test holds it to the schema.
 */

/** A UUIDv7 in lower case: what the bus generates, caused events' deterministic ids included. */
export const EVENT_ID_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags in lower-case hex; ids not all zero. */
export const TRACEPARENT_PATTERN =
  /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The highest schema version: nine digits, so it is a small integer on every platform. */
export const MAX_VERSION = 999_999_999;

/** The longest `source` (a service name). */
export const MAX_SOURCE_LENGTH = 64;

/** The longest `tracestate`: W3C Trace Context's own limit. */
export const MAX_TRACESTATE_LENGTH = 512;

/**
 * The metadata every event carries around its payload: what the bus writes on publish
 * and accepts on receipt (how it is laid out in a stream entry is the bus's business).
 * Unknown fields are tolerated so that the bus can add metadata without breaking older
 * consumers.
 */
export const envelopeMetadataSchema = z.object({
  id: z
    .string()
    .regex(EVENT_ID_PATTERN, "a lower-case UUIDv7")
    .describe(
      "Unique event id assigned by the publisher: a lower-case UUIDv7, so ids sort by time. An event published by a handler gets an id derived from the event it handles, so a handler run again publishes the same id. Handlers deduplicate on it.",
    ),
  type: z.string().regex(TOPIC_NAME_PATTERN).describe("The topic name, e.g. `order.placed`."),
  version: z.int().min(1).max(MAX_VERSION).describe("Schema version of the payload."),
  occurredAt: timestamp("When the event happened"),
  source: z
    .string()
    .min(1)
    .max(MAX_SOURCE_LENGTH)
    .describe("The publishing service, e.g. `inventory`."),
  correlationId: id(
    "Id shared by every event of one flow (e.g. one order's saga), from the request that started it.",
  ),
  causationId: id(
    "Id of the event that caused this one; absent when a request started it.",
  ).optional(),
  traceparent: z
    .string()
    .regex(TRACEPARENT_PATTERN, "a W3C traceparent")
    .describe("W3C Trace Context of the span that published the event."),
  tracestate: z
    .string()
    .max(MAX_TRACESTATE_LENGTH)
    .optional()
    .describe("W3C Trace Context vendor data of that span, when it has any."),
  partitionKey: id(
    "Value of the topic's partition key field in the payload (e.g. the order id), else the correlation id; picks the partition stream.",
  ),
});

export type EnvelopeMetadata = z.output<typeof envelopeMetadataSchema>;

/** An event on the wire: metadata plus the payload. */
export type Envelope<Payload = unknown> = Readonly<EnvelopeMetadata> & {
  readonly payload: Payload;
};

/**
 * The schema of a whole event of one topic: the metadata with `type`, `version` and
 * `source` pinned to the topic, the payload checked against the topic's schema, and
 * `partitionKey` equal to the payload's partition key field.
 */
export function envelopeSchemaFor<Name extends string, Schema extends z.ZodType>(
  topic: TopicDefinition<Name, Schema>,
) {
  return envelopeMetadataSchema
    .extend({
      type: z.literal(topic.name),
      version: z.literal(topic.version),
      source: z.literal(topic.publisher),
      payload: topic.schema,
    })
    .refine((event) => matchesPartitionKey(topic, event), {
      message: `partitionKey must equal the payload's ${topic.partitionKey ?? "partition key"} field`,
      path: ["partitionKey"],
    });
}

function matchesPartitionKey(
  topic: TopicDefinition,
  event: { partitionKey: string; payload?: unknown },
): boolean {
  try {
    const key = partitionKeyOf(topic, event.payload);
    return key === undefined || key === event.partitionKey;
  } catch {
    // An invalid payload is reported by the payload's own schema.
    return true;
  }
}
