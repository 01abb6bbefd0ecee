import { defineTopic } from "@retail/contracts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkEntry } from "./check-entry.js";
import { encodeEnvelope } from "./envelope.js";
import { holdEntry } from "./held-entry.js";

const topic = defineTopic({
  name: "stock.counted",
  version: 2,
  description: "a topic for the check",
  schema: z.object({ sku: z.string().min(1), count: z.number().int() }),
  publisher: "inventory",
  consumers: ["shipping"],
  partitionKey: "sku",
});

function fieldsOf(type: string, payload: unknown): string[] {
  return encodeEnvelope({
    id: "0190f6a0-0000-7000-8000-000000000001",
    type,
    version: 2,
    occurredAt: "2026-11-23T10:00:00.000Z",
    source: "inventory",
    correlationId: "flow-1",
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    partitionKey: "sku-1",
    payload,
  });
}

describe("checking an entry before its handler runs", () => {
  it("gives the entry its envelope with the payload as the schema parsed it", () => {
    const entry = holdEntry("1-0", fieldsOf("stock.counted", { sku: "sku-1", count: 3 }), 1);
    expect(checkEntry(topic, entry)).toBeUndefined();
    expect(entry.envelope).toMatchObject({ id: "0190f6a0-0000-7000-8000-000000000001" });
    expect(entry.envelope?.payload).toEqual({ sku: "sku-1", count: 3 });
    expect(entry.replayFor).toBeUndefined();
  });

  it("rejects a payload that breaks the schema, naming the field and the attempts", () => {
    const entry = holdEntry("1-0", fieldsOf("stock.counted", { sku: "", count: 1.5 }), 3);
    const rejection = checkEntry(topic, entry);
    expect(rejection).toMatchObject({ reason: "invalid_payload", attempts: 3 });
    expect(rejection?.issues?.map((issue) => issue.path).sort()).toEqual(["count", "sku"]);
    expect(entry.envelope).toBeUndefined();
  });

  it("rejects an event of another type appended to the topic's stream", () => {
    const entry = holdEntry("1-0", fieldsOf("order.placed", { sku: "sku-1", count: 3 }), 1);
    expect(checkEntry(topic, entry)).toMatchObject({
      reason: "invalid_payload",
      error: 'event type "order.placed" on topic "stock.counted"',
    });
  });

  it("rejects fields that are not an envelope, with the envelope's issues", () => {
    const entry = holdEntry("1-0", ["hello", "world"], 1);
    const rejection = checkEntry(topic, entry);
    expect(rejection?.reason).toBe("invalid_envelope");
    expect(rejection?.issues?.length).toBeGreaterThan(0);
  });
});
