import { streamKey } from "@retail/bus";
import { useRedisServer } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { keyKind } from "./redis-memory.js";
import { fieldOf, streamsOf, watchTopic } from "./stream-watcher.js";

describe("XREAD replies", () => {
  const entries: [string, string[]][] = [["1-0", ["partitionKey", "order-1", "type", "x"]]];

  it("reads both RESP2 pairs and RESP3's flattened map", () => {
    expect(streamsOf([["s", entries]])).toEqual([["s", entries]]);
    expect(streamsOf(["s", entries, "t", entries])).toEqual([
      ["s", entries],
      ["t", entries],
    ]);
    expect(streamsOf(null)).toEqual([]);
  });

  it("finds a field by name and not by value", () => {
    expect(fieldOf(["type", "partitionKey", "partitionKey", "o-7"], "partitionKey")).toBe("o-7");
    expect(fieldOf(["type", "x"], "partitionKey")).toBeUndefined();
    expect(fieldOf(null, "type")).toBeUndefined();
  });
});

describe("keyKind", () => {
  it("groups per-entity keys by their prefix", () => {
    expect(keyKind("{inventory}:order:0190-ab")).toBe("{inventory}:order:*");
    expect(keyKind("{shipping}:shipment-by-order:o-1")).toBe("{shipping}:shipment-by-order:*");
    expect(keyKind("stream:{order.placed:3}")).toBe("stream:* (event streams)");
    expect(keyKind("processed:{shipping}")).toBe("processed:* (handled-event marks)");
    expect(keyKind("{inventory}:orders")).toBe("{inventory}:orders");
  });
});

describe("watchTopic", () => {
  const redis = useRedisServer({ persistence: "none" });

  it("reports the partition key of entries appended after it started, not of older ones", async () => {
    const client = redis().client();
    try {
      const key = streamKey("shipment.created", 0);
      await client.xadd(key, "*", "type", "shipment.created", "partitionKey", "before");
      const seen: string[] = [];
      const watcher = await watchTopic(redis().url, "shipment.created", (orderId) => {
        seen.push(orderId);
      });
      try {
        await client.xadd(key, "*", "type", "shipment.created", "partitionKey", "order-1");
        await client.xadd(key, "*", "type", "shipment.created", "partitionKey", "order-2");
        await vi.waitFor(() => expect(seen).toEqual(["order-1", "order-2"]), { timeout: 10_000 });
      } finally {
        await watcher.stop();
      }
    } finally {
      client.disconnect();
    }
  });
});
