import { NonRetryableError, streamKey } from "@retail/bus";
import { catalog, examplePayloads, partitionsOf, topicNames } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { useMonitoring } from "../../test/harness.js";

const placed = (orderId: string) => ({ ...examplePayloads["order.placed"], orderId });

describe("GET /stats", () => {
  const monitoring = useMonitoring();

  it("reports every topic's length, rate and last event, each group's load and the dead letters", async () => {
    const monitor = await monitoring.instance();
    // shipping's handler refuses every order: each one ends up as a dead letter of its group
    const shipping = monitoring.bus("shipping");
    shipping.subscribe("order.placed", () => {
      throw new NonRetryableError("cannot ship");
    });
    await shipping.start();
    const inventory = monitoring.bus("inventory");
    for (let index = 0; index < 6; index += 1)
      await inventory.publish("order.placed", placed(`o-${index}`), {
        correlationId: `o-${index}`,
      });

    await vi.waitFor(async () => {
      const stats = (await monitor.app.inject({ method: "GET", url: "/stats" })).json();
      expect(stats.deadLetters).toContainEqual({
        topic: "order.placed",
        group: "shipping",
        count: 6,
      });
      expect(stats.groups).toContainEqual({
        topic: "order.placed",
        group: "client-monitoring",
        consumers: 1,
        pending: 0,
        parked: 0,
        lost: 0,
        lag: 0,
      });
      const topic = stats.topics.find((row: { topic: string }) => row.topic === "order.placed");
      expect(topic).toMatchObject({
        length: 6,
        ratePerSecond: 0.1,
        lastEventAt: expect.any(String),
      });
    });
    const stats = (await monitor.app.inject({ method: "GET", url: "/stats" })).json();
    expect(stats.topics.map((row: { topic: string }) => row.topic)).toEqual(topicNames);
    expect(stats.topics.find((row: { topic: string }) => row.topic === "stock.low")).toEqual({
      topic: "stock.low",
      length: 0,
      ratePerSecond: 0,
      lastEventAt: null,
      partitions: [{ partition: 0, stream: streamKey("stock.low", 0), length: 0, master: null }],
    });
    // each partition's stream and length; no cluster, so no master to name
    const placedTopic = stats.topics.find((row: { topic: string }) => row.topic === "order.placed");
    expect(placedTopic.partitions).toHaveLength(partitionsOf(catalog["order.placed"]));
    expect(
      placedTopic.partitions.reduce((sum: number, row: { length: number }) => sum + row.length, 0),
    ).toBe(6);
    for (const row of placedTopic.partitions) {
      expect(row).toMatchObject({ stream: streamKey("order.placed", row.partition), master: null });
    }
    expect(stats.groups).toContainEqual({
      topic: "order.placed",
      group: "shipping",
      consumers: 1,
      pending: 0,
      parked: 0,
      lost: 0,
      lag: 0,
    });
    expect(stats.deadLetters).toContainEqual({
      topic: "order.placed",
      group: "client-monitoring",
      count: 0,
    });
  });
});
