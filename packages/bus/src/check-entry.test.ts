import { defineTopic } from "@retail/contracts";
import { useRedis } from "@retail/testing";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  appendUnvalidated,
  catalogV2,
  metricValue,
  type TestCatalogV2,
  useBusTestbed,
} from "../test/fixtures.js";
import { checkEntry, type Rejection } from "./check-entry.js";
import { encodeEnvelope } from "./envelope.js";

const topic = defineTopic({
  name: "stock.counted",
  version: 2,
  description: "a topic for the check",
  schema: z.object({ sku: z.string().min(1), count: z.number().int() }),
  publisher: "inventory",
  consumers: ["shipping"],
  partitionKey: "sku",
});

function fieldsOf(type: string, payload: unknown, version = 2): string[] {
  return encodeEnvelope({
    id: "0190f6a0-0000-7000-8000-000000000001",
    type,
    version,
    occurredAt: "2026-11-23T10:00:00.000Z",
    source: "inventory",
    correlationId: "flow-1",
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    partitionKey: "sku-1",
    payload,
  });
}

describe("checking an entry before its handler runs", () => {
  it("decodes the envelope, with the payload as the schema parsed it", () => {
    const checked = checkEntry(topic, fieldsOf("stock.counted", { sku: "sku-1", count: 3 }), 1);
    expect(checked).toMatchObject({
      envelope: { id: "0190f6a0-0000-7000-8000-000000000001", payload: { sku: "sku-1", count: 3 } },
      replayFor: undefined,
    });
    expect(checked).not.toHaveProperty("unknownVersion");
  });

  it("rejects a payload that breaks the schema, naming the field and the attempts", () => {
    const rejection = checkEntry(topic, fieldsOf("stock.counted", { sku: "", count: 1.5 }), 3);
    expect(rejection).toMatchObject({ reason: "invalid_payload", attempts: 3 });
    expect((rejection as Rejection).issues?.map((issue) => issue.path).sort()).toEqual([
      "count",
      "sku",
    ]);
  });

  it("rejects an event of another type appended to the topic's stream", () => {
    expect(
      checkEntry(topic, fieldsOf("order.placed", { sku: "sku-1", count: 3 }), 1),
    ).toMatchObject({
      reason: "invalid_payload",
      error: 'event type "order.placed" on topic "stock.counted"',
    });
  });

  it("rejects fields that are not an envelope, with the envelope's issues", () => {
    const rejection = checkEntry(topic, ["hello", "world"], 1) as Rejection;
    expect(rejection.reason).toBe("invalid_envelope");
    expect(rejection.issues?.length).toBeGreaterThan(0);
  });

  it("rejects an entry whose schema check throws (a bug in a transform), with the error", () => {
    const fragile = defineTopic({
      ...topic,
      partitionKey: undefined,
      schema: z.object({ sku: z.string(), count: z.number() }).transform(() => {
        throw new Error("the transform broke");
      }),
    });
    expect(
      checkEntry(fragile, fieldsOf("stock.counted", { sku: "sku-1", count: 3 }), 1),
    ).toMatchObject({
      reason: "invalid_payload",
      error: expect.stringContaining("the transform broke"),
    });
  });

  it("leaves an event of a newer schema version unchecked, for a consumer that knows it", () => {
    expect(checkEntry(topic, fieldsOf("stock.counted", { sku: 5 }, 3), 1)).toMatchObject({
      unknownVersion: 3,
      envelope: { partitionKey: "sku-1", payload: { sku: 5 } },
    });
  });

  it("checks an event of an older version against the current schema", () => {
    expect(
      checkEntry(topic, fieldsOf("stock.counted", { sku: "sku-1", count: 3 }, 1), 1),
    ).toMatchObject({
      envelope: { version: 1, payload: { sku: "sku-1", count: 3 } },
    });
  });
});

describe("entries that cannot reach their handler", () => {
  const testbed = useBusTestbed(useRedis());

  it("dead-letters an entry whose schema check throws, and carries on with the next", async () => {
    const worker = testbed.bus("worker");
    const handled: number[] = [];
    worker.subscribe("test.fragile", (event) => void handled.push(event.payload.seq));
    await worker.start();
    const tester = testbed.bus("tester");
    // a publisher that skipped validation
    await appendUnvalidated(testbed.redis().client(), "test.fragile", {
      orderId: "o",
      seq: 1,
      note: "throw",
    });
    await tester.publish("test.fragile", { orderId: "o", seq: 2 });

    await vi.waitFor(async () => {
      expect(handled).toEqual([2]);
      expect((await worker.admin.groups("test.fragile"))[0]?.pending).toBe(0);
    });
    const [letter] = await worker.admin.listDeadLetters("test.fragile");
    expect(letter).toMatchObject({ reason: "invalid_payload" });
    expect(letter?.error).toContain("the transform broke");
  });

  it("leaves an event of a newer schema version to a consumer that knows it, instead of dead-lettering it", async () => {
    const registry = new Registry();
    const older = testbed.bus("worker", { metrics: registry });
    const olderRuns: number[] = [];
    const quick = { claimIdleMs: 300, reclaimIntervalMs: 50 };
    older.subscribe("test.order-placed", (event) => void olderRuns.push(event.payload.seq), quick);
    await older.start();
    // the publisher is deployed first with the breaking change
    const publisher = testbed.bus<TestCatalogV2>("tester", { catalog: catalogV2 });
    const event = await publisher.publish("test.order-placed", { orderId: "o", seq: "one" });
    await vi.waitFor(async () =>
      expect(
        await metricValue(registry, "bus_events_parked_total", { reason: "unknown_version" }),
      ).toBeGreaterThanOrEqual(1),
    );
    expect(await older.admin.listDeadLetters("test.order-placed")).toEqual([]);

    // the consumers that know version 2 arrive
    const newer = testbed.bus<TestCatalogV2>("worker", { catalog: catalogV2 });
    const newerRuns: string[] = [];
    newer.subscribe(
      "test.order-placed",
      (received) => void newerRuns.push(received.payload.seq),
      quick,
    );
    await newer.start();
    await vi.waitFor(
      async () => {
        expect(newerRuns).toEqual(["one"]);
        expect((await newer.admin.groups("test.order-placed"))[0]?.pending).toBe(0);
      },
      { timeout: 10_000 },
    );
    expect(olderRuns).toEqual([]);
    expect(event.version).toBe(2);
    expect(await newer.admin.listDeadLetters("test.order-placed")).toEqual([]);
  });
});
