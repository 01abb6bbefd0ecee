import { Document } from "yaml";
import { z } from "zod";
import { catalog } from "./catalog.js";
import { envelopeMetadataSchema } from "./envelope.js";
import {
  type Catalog,
  examplePayloadOf,
  partitionKeyOf,
  partitionsOf,
  retentionOf,
  type TopicDefinition,
} from "./topic.js";

type JsonObject = { [key: string]: unknown };

/**
 * Version of a catalog as a whole, the document's `info.version`, derived so that no
 * one has to remember to bump it: the major is 1 plus every topic's version bumps (a
 * breaking change), the minor counts the topics and the fields their payloads define
 * (a new topic or an optional field moves it), the patch is 0.
 */
export function catalogVersion(topics: Catalog = catalog): string {
  let bumps = 0;
  let defined = 0;
  for (const topic of Object.values(topics)) {
    bumps += topic.version - 1;
    defined += 1 + countFields(jsonSchemaOf(topic.schema));
  }
  return `${1 + bumps}.${defined}.0`;
}

/** How many properties a JSON Schema defines, at every depth. */
function countFields(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + countFields(item), 0);
  if (typeof node !== "object" || node === null) return 0;
  let count = 0;
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && typeof value === "object" && value !== null)
      count += Object.keys(value).length;
    count += countFields(value);
  }
  return count;
}

const ENVELOPE_REF = "#/components/schemas/EnvelopeMetadata";
/** A trace id and span id any reader recognises as an example. */
const EXAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/** zod's date-time pattern checks the calendar in 400 characters; the format says as much. */
const UTC_DATE_TIME = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$";

/**
 * The AsyncAPI 3.0.0 document of a catalog, as a plain object in a fixed key order. A
 * topic's message has the topic's example, when it has one.
 */
export function buildAsyncApi(topics: Catalog = catalog) {
  // Code-unit order, not locale order, so every machine writes the same file.
  const sorted = Object.values(topics).sort((a, b) => (a.name < b.name ? -1 : 1));
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};
  for (const topic of sorted) {
    const message = messageName(topic);
    channels[topic.name] = channelOf(topic, message);
    messages[message] = messageOf(topic);
    const ref = { $ref: `#/channels/${topic.name}/messages/${message}` };
    operations[`${topic.publisher}.send.${topic.name}`] = {
      action: "send",
      channel: { $ref: `#/channels/${topic.name}` },
      summary: `${topic.publisher} publishes ${topic.name}.`,
      messages: [ref],
    };
    for (const consumer of [...topic.consumers].sort()) {
      operations[`${consumer}.receive.${topic.name}`] = {
        action: "receive",
        channel: { $ref: `#/channels/${topic.name}` },
        summary: `${consumer} consumes ${topic.name} through its consumer group "${consumer}".`,
        messages: [ref],
      };
    }
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Retail middleware events",
      version: catalogVersion(topics),
      description: [
        "The domain events that inventory, shipping and client-monitoring exchange over Redis Streams.",
        "Each topic is owned by the one service that publishes it; each subscribing service reads it through its own consumer group (at-least-once delivery).",
        "Every message is an envelope around the topic's payload. Payload objects accept unknown fields, so that an optional field can be added without a version bump.",
        "Generated from the zod schemas of @retail/contracts; do not edit by hand.",
      ].join("\n"),
    },
    defaultContentType: "application/json",
    servers: {
      redis: {
        host: "localhost:6379",
        protocol: "redis",
        description:
          "The Redis that carries every topic. A topic is split into its partition streams; each consumer service reads them through its own consumer group.",
      },
    },
    channels,
    operations,
    components: {
      schemas: { EnvelopeMetadata: jsonSchemaOf(envelopeMetadataSchema) },
      messages,
    },
  };
}

/** The AsyncAPI document of a catalog as YAML: what docs/asyncapi.yaml must contain. */
export function renderAsyncApi(topics: Catalog = catalog) {
  // YAML 1.1 rules quote strings such as timestamps that 1.1 parsers (js-yaml) would retype.
  const document = new Document(buildAsyncApi(topics), {
    version: "1.1",
    aliasDuplicateObjects: false,
  });
  document.commentBefore =
    " Generated from packages/contracts by `pnpm --filter @retail/contracts generate`. Do not edit.";
  return document.toString({ lineWidth: 0 });
}

function channelOf(topic: TopicDefinition, message: string): JsonObject {
  const retention = retentionOf(topic);
  return {
    address: topic.name,
    title: topic.name,
    description: topic.description,
    messages: { [message]: { $ref: `#/components/messages/${message}` } },
    "x-version": topic.version,
    "x-publisher": topic.publisher,
    "x-consumers": [...topic.consumers].sort(),
    ...(topic.partitionKey === undefined ? {} : { "x-partition-key": topic.partitionKey }),
    "x-partitions": partitionsOf(topic),
    "x-retention": { ...retention },
  };
}

function messageOf(topic: TopicDefinition): JsonObject {
  const example = examplePayloadOf(topic);
  return {
    name: topic.name,
    title: `${topic.name} v${topic.version}`,
    summary: topic.description,
    contentType: "application/json",
    correlationId: {
      description: "The flow this event belongs to.",
      location: "$message.payload#/correlationId",
    },
    payload: {
      allOf: [
        { $ref: ENVELOPE_REF },
        {
          type: "object",
          properties: {
            type: { const: topic.name },
            version: { const: topic.version },
            source: { const: topic.publisher },
            payload: jsonSchemaOf(topic.schema),
          },
          required: ["type", "version", "source", "payload"],
        },
      ],
    },
    ...(example === undefined ? {} : { examples: [exampleOf(topic, example)] }),
  };
}

function exampleOf(topic: TopicDefinition, payload: unknown): JsonObject {
  const occurredAt = lastTimestampOf(payload);
  const id = uuidV7At(occurredAt, topic.name);
  const partitionKey = partitionKeyOf(topic, payload) ?? id;
  return {
    name: topic.name.replaceAll(".", "-"),
    summary: `Example of ${topic.name}`,
    payload: {
      id,
      type: topic.name,
      version: topic.version,
      occurredAt,
      source: topic.publisher,
      correlationId: `corr-${partitionKey}`,
      traceparent: EXAMPLE_TRACEPARENT,
      partitionKey,
      payload,
    },
  };
}

/** The payload's last `…At` field, which is when its event happened. */
function lastTimestampOf(payload: unknown): string {
  const times = Object.entries(payload as JsonObject).filter(
    ([key, value]) => key.endsWith("At") && typeof value === "string",
  );
  return (times.at(-1)?.[1] as string | undefined) ?? "2025-01-01T00:00:00.000Z";
}

/** A stable UUIDv7 for an example: the time in its first 48 bits, the topic in its last. */
function uuidV7At(time: string, seed: string): string {
  const ms = Date.parse(time).toString(16).padStart(12, "0");
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const tail = hash.toString(16).padStart(12, "0");
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7000-8000-${tail}`;
}

function messageName(topic: TopicDefinition): string {
  return topic.name
    .split(/[.-]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** Draft-07 JSON Schema, the dialect AsyncAPI's default schema format builds on. */
function jsonSchemaOf(schema: z.ZodType): JsonObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: "draft-07",
    // The input side: what a publisher may send and a consumer must accept.
    io: "input",
    override: ({ jsonSchema }) => {
      if (jsonSchema.format === "date-time") jsonSchema.pattern = UTC_DATE_TIME;
    },
  });
  return json;
}
