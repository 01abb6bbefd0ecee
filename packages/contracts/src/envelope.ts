import { z } from "zod";
import { id, timestamp } from "./fields.js";
import { partitionKeyOf, type TopicDefinition } from "./topic.js";

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags, lower-case hex. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The metadata every event carries around its payload. The bus fills it in on
 * publish and checks it on receipt; how it is laid out in a stream entry is the bus's
 * business. Unknown fields are tolerated so that the bus can add metadata without
 * breaking older consumers.
 */
export const envelopeMetadataSchema = z.object({
  id: z
    .uuid({ version: "v7" })
    .describe(
      "Unique event id assigned by the publisher (UUIDv7, so ids sort by time). Handlers deduplicate on it.",
    ),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/)
    .describe("The topic name, e.g. `order.placed`."),
  version: z.int().min(1).describe("Schema version of the payload."),
  occurredAt: timestamp("When the event happened"),
  source: z.string().min(1).max(64).describe("The publishing service, e.g. `inventory`."),
  correlationId: id(
    "Id shared by every event of one flow (e.g. one order's saga), from the request that started it.",
  ),
  causationId: id(
    "Id of the event that caused this one; absent when a request started it.",
  ).optional(),
  traceparent: z
    .string()
    .regex(TRACEPARENT)
    .describe("W3C Trace Context of the span that published the event."),
  partitionKey: id(
    "Value of the topic's partition key field in the payload (e.g. the order id); picks the partition stream.",
  ),
});

export type EnvelopeMetadata = z.output<typeof envelopeMetadataSchema>;

/** An event on the wire: metadata plus the payload. */
export type Envelope<Payload = unknown> = EnvelopeMetadata & { readonly payload: Payload };

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
