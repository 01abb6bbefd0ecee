import { describe, expect, it } from "vitest";
import { catalog, examplePayloads } from "./catalog.js";
import {
  envelopeMetadataSchema,
  envelopeSchemaFor,
  MAX_SOURCE_LENGTH,
  MAX_TRACESTATE_LENGTH,
  MAX_VERSION,
} from "./envelope.js";
import type { TopicDefinition } from "./topic.js";

const placed = catalog["order.placed"];
const schema = envelopeSchemaFor(placed);

const event = {
  id: "019593fa-5d95-7a3c-9f1e-2b4c6d8e0f12",
  type: "order.placed",
  version: 1,
  occurredAt: "2025-03-14T09:26:53.589Z",
  source: "inventory",
  correlationId: "req-8d1f",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  partitionKey: "ord-1042",
  payload: examplePayloads["order.placed"],
};

describe("envelopeSchemaFor", () => {
  it("accepts a whole order.placed event", () => {
    expect(schema.safeParse(event).error).toBeUndefined();
  });

  it("accepts an event with the id of the event that caused it", () => {
    const caused = { ...event, causationId: "019593fa-5d00-7000-8000-000000000001" };
    expect(schema.parse(caused).causationId).toBe(caused.causationId);
  });

  it("tolerates metadata fields added by a later bus", () => {
    expect(schema.safeParse({ ...event, tenant: "eu" }).success).toBe(true);
  });

  it.each([
    ["an id that is not a UUID", { id: "ord-1042" }],
    ["a UUIDv4 id", { id: "3b241101-e2bb-4255-8caf-4136c566a962" }],
    ["an upper-case UUIDv7 id", { id: event.id.toUpperCase() }],
    ["another topic's type", { type: "order.cancelled" }],
    ["another version", { version: 2 }],
    ["another source", { source: "shipping" }],
    ["a local-time occurredAt", { occurredAt: "2025-03-14T10:26:53" }],
    ["a malformed traceparent", { traceparent: "4bf92f3577b34da6a3ce929d0e0e4736" }],
    ["an upper-case traceparent", { traceparent: event.traceparent.toUpperCase() }],
    ["an empty correlationId", { correlationId: "" }],
    ["a partitionKey other than the payload's orderId", { partitionKey: "ord-9999" }],
    ["an invalid payload", { payload: { ...event.payload, orderId: "" } }],
    ["no payload", { payload: undefined }],
  ])("rejects %s", (_case, change) => {
    expect(schema.safeParse({ ...event, ...change }).success).toBe(false);
  });

  it("reports a partition key mismatch on the partitionKey field", () => {
    const issues = schema.safeParse({ ...event, partitionKey: "ord-9999" }).error?.issues ?? [];
    expect(issues.map((issue) => issue.path.join("."))).toEqual(["partitionKey"]);
  });

  it("builds a schema for every topic of the catalog", () => {
    const topics: TopicDefinition[] = Object.values(catalog);
    for (const topic of topics) {
      expect(envelopeSchemaFor(topic).safeParse({}).success, topic.name).toBe(false);
    }
  });
});

describe("envelopeMetadataSchema", () => {
  const { payload: _payload, ...metadata } = event;

  it("accepts the optional tracestate of W3C Trace Context", () => {
    expect(envelopeMetadataSchema.parse({ ...metadata, tracestate: "vendor=1" }).tracestate).toBe(
      "vendor=1",
    );
  });

  it.each([
    ["a version above MAX_VERSION", { version: MAX_VERSION + 1 }],
    ["an occurredAt with an offset", { occurredAt: "2025-03-14T10:26:53.589+01:00" }],
    ["a source longer than MAX_SOURCE_LENGTH", { source: "s".repeat(MAX_SOURCE_LENGTH + 1) }],
    [
      "an all-zero trace id",
      { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" },
    ],
    [
      "an all-zero span id",
      { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01" },
    ],
    ["a tracestate longer than W3C allows", { tracestate: "t".repeat(MAX_TRACESTATE_LENGTH + 1) }],
    ["a partition key with a space", { partitionKey: "ord 1042" }],
    ["a partition key of 129 characters", { partitionKey: "k".repeat(129) }],
    ["an empty partition key", { partitionKey: "" }],
    ["a correlation id of 129 characters", { correlationId: "c".repeat(129) }],
    ["a causation id with a control character", { causationId: "cause\n1" }],
    ["a type that is not a topic name", { type: "Order Placed" }],
  ])("rejects %s", (_case, change) => {
    expect(envelopeMetadataSchema.safeParse({ ...metadata, ...change }).success).toBe(false);
  });

  it("needs no causationId, because a request rather than an event can start a flow", () => {
    const { payload: _payload, ...metadata } = event;
    expect(envelopeMetadataSchema.safeParse(metadata).success).toBe(true);
  });

  it.each([
    "id",
    "type",
    "version",
    "occurredAt",
    "source",
    "correlationId",
    "traceparent",
    "partitionKey",
  ])("requires %s", (field) => {
    const { payload: _payload, ...metadata } = event;
    const without = Object.fromEntries(Object.entries(metadata).filter(([key]) => key !== field));
    expect(envelopeMetadataSchema.safeParse(without).success).toBe(false);
  });
});

describe("envelope types", () => {
  it("types the payload of a topic's envelope as that topic's payload", () => {
    const parsed = envelopeSchemaFor(catalog["order.placed"]).parse(event);
    const orderId: string = parsed.payload.orderId;
    const type: "order.placed" = parsed.type;
    expect([orderId, type]).toEqual(["ord-1042", "order.placed"]);
  });
});
