import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DuplicateTopicError, InvalidTopicError, PartitionKeyError } from "./errors.js";
import {
  DEFAULT_PARTITIONS,
  DEFAULT_RETENTION,
  defineCatalog,
  defineTopic,
  partitionKeyOf,
  partitionsOf,
  retentionOf,
  type TopicDefinition,
} from "./topic.js";

const schema = z.object({ orderId: z.string(), count: z.number() });

type Definition = TopicDefinition<string, typeof schema>;

/** A valid topic with some fields replaced; the cast lets tests reach the runtime checks. */
function topic(overrides: Partial<Definition> = {}) {
  const definition: Definition = {
    name: "order.placed",
    version: 1,
    description: "test topic",
    schema,
    publisher: "inventory",
    consumers: ["shipping"],
    ...overrides,
  };
  return defineTopic(definition as Definition & { partitionKey?: "orderId" });
}

/** What `run` throws; fails the test when it throws nothing. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/** An InvalidTopicError for `rule`, with its stable code and a message matching `message`. */
function expectInvalid(run: () => unknown, rule: InvalidTopicError["rule"], message: RegExp) {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(InvalidTopicError);
  expect(error).toMatchObject({ code: "CONTRACTS_ERR_INVALID_TOPIC", rule });
  expect((error as Error).message).toMatch(message);
}

describe("defineTopic", () => {
  it.each([
    "Order.placed",
    "order",
    "order.",
    ".placed",
    "order..placed",
    "order placed",
    "order_placed",
    "order.placed!",
    "1order.placed",
  ])("rejects the topic name %j", (name) => {
    expectInvalid(() => topic({ name }), "name", /dotted lower-case/);
  });

  it.each(["order.placed", "shipment.dispatched", "dead-letter.order.placed"])(
    "accepts the topic name %j",
    (name) => {
      expect(topic({ name }).name).toBe(name);
    },
  );

  it.each([0, -1, 1.5])("rejects version %d", (version) => {
    expectInvalid(() => topic({ version }), "version", /version must be a positive integer/);
  });

  it.each([0, 1025, 2.5])("rejects %d partitions", (partitions) => {
    expectInvalid(
      () => topic({ partitions }),
      "partitions",
      /partitions must be an integer from 1 to 1024/,
    );
  });

  it("rejects a partition key that is not a field of the payload", () => {
    expectInvalid(
      () => topic({ partitionKey: "customerId" }),
      "partitionKey",
      /"customerId" is not a payload field/,
    );
  });

  it("accepts a partition key that names a string field", () => {
    expect(topic({ partitionKey: "orderId" }).partitionKey).toBe("orderId");
  });

  it("lets the compiler refuse a partition key that names a non-string field", () => {
    const definition = defineTopic({
      name: "order.counted",
      version: 1,
      description: "test topic",
      schema,
      publisher: "inventory",
      consumers: [],
      // @ts-expect-error count is a number, so it cannot be a partition key
      partitionKey: "count",
    });
    expect(definition.partitionKey).toBe("count");
  });
});

describe("defineCatalog", () => {
  it("keys topics by name", () => {
    const placed = topic();
    const cancelled = topic({ name: "order.cancelled" });
    const catalog = defineCatalog(placed, cancelled);
    expect(catalog["order.placed"]).toBe(placed);
    expect(catalog["order.cancelled"]).toBe(cancelled);
  });

  it("rejects two topics with the same name", () => {
    const error = thrownBy(() => defineCatalog(topic(), topic()));
    expect(error).toBeInstanceOf(DuplicateTopicError);
    expect(error).toMatchObject({
      code: "CONTRACTS_ERR_DUPLICATE_TOPIC",
      topic: "order.placed",
      message: expect.stringMatching(/"order.placed" is defined twice/),
    });
  });
});

describe("defaults", () => {
  it("gives a topic without partitions one partition", () => {
    expect(partitionsOf(topic())).toBe(DEFAULT_PARTITIONS);
    expect(DEFAULT_PARTITIONS).toBe(1);
    expect(partitionsOf(topic({ partitions: 4 }))).toBe(4);
  });

  it("keeps about 100 000 entries of a topic without retention", () => {
    expect(retentionOf(topic())).toEqual({ maxLength: 100_000 });
    expect(retentionOf(topic())).toBe(DEFAULT_RETENTION);
    expect(retentionOf(topic({ retention: { maxAgeMs: 1000 } }))).toEqual({ maxAgeMs: 1000 });
  });
});

describe("partitionKeyOf", () => {
  it("reads the topic's partition key field from the payload", () => {
    expect(partitionKeyOf(topic({ partitionKey: "orderId" }), { orderId: "ord-1", count: 2 })).toBe(
      "ord-1",
    );
  });

  it("returns undefined for a topic without a partition key", () => {
    expect(partitionKeyOf(topic(), { orderId: "ord-1", count: 2 })).toBeUndefined();
  });

  it.each([
    ["a missing field", { count: 2 }],
    ["an empty string", { orderId: "" }],
    ["a number", { orderId: 7 }],
    ["no object at all", "ord-1"],
    ["null", null],
  ])("throws on %s", (_case, payload) => {
    const error = thrownBy(() => partitionKeyOf(topic({ partitionKey: "orderId" }), payload));
    expect(error).toBeInstanceOf(PartitionKeyError);
    expect(error).toMatchObject({
      code: "CONTRACTS_ERR_PARTITION_KEY",
      field: "orderId",
      message: expect.stringMatching(/"orderId" \(the partition key\) must be a non-empty string/),
    });
  });
});
