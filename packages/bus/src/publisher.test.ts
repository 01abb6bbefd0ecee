import { useRedis } from "@retail/testing";
import { describe, expect, it } from "vitest";
import { useBusTestbed } from "../test/fixtures.js";
import { decodeEnvelope } from "./envelope.js";
import { NotPublisherError, PayloadValidationError, UnknownTopicError } from "./errors.js";
import { streamKey } from "./keys.js";
import { partitionFor } from "./partitioning.js";
import { isoNow, LENGTH_TRIM_EVERY, trimArguments } from "./publisher.js";

describe("publish", () => {
  const testbed = useBusTestbed(useRedis());

  it("appends a complete envelope: UUIDv7 id, type, version, time, source, ids, trace, key, payload", async () => {
    const bus = testbed.bus("tester");
    const envelope = await bus.publish("test.order-placed", { orderId: "o-1", seq: 1 });

    const client = testbed.redis().client();
    const rows = await client.xrange(streamKey("test.order-placed", 0), "-", "+");
    client.disconnect();
    expect(rows).toHaveLength(1);
    const stored = decodeEnvelope(rows[0]?.[1] ?? []).envelope;
    expect(stored).toEqual(envelope);
    expect(stored.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(stored).toMatchObject({
      type: "test.order-placed",
      version: 1,
      source: "tester",
      correlationId: stored.id,
      partitionKey: "o-1",
      payload: { orderId: "o-1", seq: 1 },
    });
    expect(stored.causationId).toBeUndefined();
    expect(Date.parse(stored.occurredAt)).not.toBeNaN();
    expect(stored.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("refuses a partition key option that differs from the topic's key field, writing nothing", async () => {
    const bus = testbed.bus("tester");
    await expect(
      bus.publish("test.order-placed", { orderId: "o-1", seq: 1 }, { partitionKey: "other" }),
    ).rejects.toMatchObject({
      code: "BUS_ERR_INVALID_PAYLOAD",
      issues: [{ path: "partitionKey" }],
    });
    const same = await bus.publish(
      "test.order-placed",
      { orderId: "o-1", seq: 1 },
      { partitionKey: "o-1" },
    );
    expect(same.partitionKey).toBe("o-1");
    const client = testbed.redis().client();
    expect(await client.xlen(streamKey("test.order-placed", 0))).toBe(1);
    client.disconnect();
  });

  it("takes correlation id, causation id, partition key and event id from the options", async () => {
    const bus = testbed.bus("tester");
    const envelope = await bus.publish(
      // a topic without a key field: the option chooses the key
      "test.capped",
      { orderId: "o-1", seq: 1 },
      {
        correlationId: "flow-1",
        causationId: "cause-1",
        partitionKey: "custom",
        eventId: "0190b3f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
      },
    );
    expect(envelope).toMatchObject({
      id: "0190b3f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
      correlationId: "flow-1",
      causationId: "cause-1",
      partitionKey: "custom",
    });
  });

  it("rejects an invalid payload with a typed error naming the field, and writes nothing", async () => {
    const bus = testbed.bus("tester");
    const error = await bus
      .publish("test.order-placed", { orderId: "", seq: -1 } as never)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).code).toBe("BUS_ERR_INVALID_PAYLOAD");
    expect((error as PayloadValidationError).issues.map((issue) => issue.path).sort()).toEqual([
      "orderId",
      "seq",
    ]);
    const client = testbed.redis().client();
    expect(await client.exists(streamKey("test.order-placed", 0))).toBe(0);
    client.disconnect();
  });

  it("rejects topics the catalog lacks and topics another service owns", async () => {
    const bus = testbed.bus("tester");
    await expect(bus.publish("no.such-topic" as never, {} as never)).rejects.toBeInstanceOf(
      UnknownTopicError,
    );
    await expect(
      bus.publish("test.order-handled", { orderId: "o", seq: 1 }),
    ).rejects.toBeInstanceOf(NotPublisherError);
  });

  it("sends events to the partition stream their key hashes to, one key always to one partition", async () => {
    const bus = testbed.bus("tester");
    for (let index = 0; index < 40; index += 1) {
      await bus.publish("test.partitioned", { orderId: `order-${index % 10}`, seq: index });
    }
    const client = testbed.redis().client();
    let total = 0;
    for (let partition = 0; partition < 4; partition += 1) {
      const rows = (await client.xrange(streamKey("test.partitioned", partition), "-", "+")) as [
        string,
        string[],
      ][];
      total += rows.length;
      for (const [, fields] of rows) {
        const { partitionKey } = decodeEnvelope(fields).envelope;
        expect(partitionFor(partitionKey, 4)).toBe(partition);
      }
      expect(rows.length).toBeGreaterThan(0);
    }
    client.disconnect();
    expect(total).toBe(40);
  });

  it("trims a topic with MAXLEN ~ as it publishes", async () => {
    const bus = testbed.bus("tester");
    for (let index = 0; index < 500; index += 1)
      await bus.publish("test.capped", { orderId: "o", seq: index });
    const client = testbed.redis().client();
    const length = await client.xlen(streamKey("test.capped", 0));
    client.disconnect();
    // "~" trims whole radix-tree nodes (100 entries by default), never below the limit
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(500);
  });

  it("trims every topic to the bus's retention option instead of the catalog's", async () => {
    // test.order-placed keeps the default retention (100 000) in the catalog
    const bus = testbed.bus("tester", { retention: { maxLength: 10 } });
    for (let index = 0; index < 500; index += 1)
      await bus.publish("test.order-placed", { orderId: "o", seq: index });
    const client = testbed.redis().client();
    const length = await client.xlen(streamKey("test.order-placed", 0));
    client.disconnect();
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(500);
  });

  it("trims a topic by age with MINID ~ as it publishes", async () => {
    const bus = testbed.bus("tester");
    const client = testbed.redis().client();
    const stream = streamKey("test.aged", 0);
    // 300 entries from two hours ago, written with explicit old ids
    for (let index = 1; index <= 300; index += 1)
      await client.xadd(stream, `${Date.now() - 7_200_000}-${index}`, "x", "1");
    await bus.publish("test.aged", { orderId: "o", seq: 1 });
    const remaining = await client.xlen(stream);
    client.disconnect();
    expect(remaining).toBeLessThan(301);
  });
});

describe("a retention with both a length and an age", () => {
  const testbed = useBusTestbed(useRedis());

  it("trims a flood of fresh events by length, and old events by age", async () => {
    const bus = testbed.bus("tester", { retention: { maxLength: 10, maxAgeMs: 3_600_000 } });
    const client = testbed.redis().client();
    try {
      const stream = streamKey("test.order-placed", 0);
      // 300 entries from two hours ago: past the age
      for (let index = 1; index <= 300; index += 1)
        await client.xadd(stream, `${Date.now() - 7_200_000}-${index}`, "x", "1");
      for (let index = 0; index < 2; index += 1)
        await bus.publish("test.order-placed", { orderId: "o", seq: index });
      expect(await client.xlen(stream)).toBeLessThan(300);
      // 1 000 fresh ones: all within the age, so only the length bounds them
      for (let index = 0; index < 1_000; index += 1)
        await bus.publish("test.order-placed", { orderId: "o", seq: index });
      expect(await client.xlen(stream)).toBeLessThan(10 + 100 + LENGTH_TRIM_EVERY);
    } finally {
      client.disconnect();
    }
  });

  it("trims by length on one append in LENGTH_TRIM_EVERY, by age on the others", () => {
    const retention = { maxLength: 10, maxAgeMs: 60_000 };
    const strategies = Array.from(
      { length: LENGTH_TRIM_EVERY * 2 },
      (_, appends) => trimArguments(retention, appends)[0],
    );
    expect(strategies.filter((strategy) => strategy === "MAXLEN")).toHaveLength(2);
    expect(strategies.filter((strategy) => strategy === "MINID")).toHaveLength(
      LENGTH_TRIM_EVERY * 2 - 2,
    );
  });
});

describe("isoNow", () => {
  it("gives what Date#toISOString gives, for repeated and changing milliseconds", () => {
    for (const ms of [0, 1, 1, 1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001, 5]) {
      expect(isoNow(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
