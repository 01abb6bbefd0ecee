import { streamKey } from "@retail/bus";
import { catalog, examplePayloads, partitionsOf } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { useMonitoring } from "../../test/harness.js";
import { keys } from "../keys.js";

describe("retention", () => {
  const monitoring = useMonitoring();

  it("gives an order's timeline a TTL of TIMELINE_TTL_MS once it records an event", async () => {
    await monitoring.instance({ TIMELINE_TTL_MS: "60000" });
    const inventory = monitoring.bus("inventory");
    await inventory.publish(
      "order.placed",
      { ...examplePayloads["order.placed"], orderId: "o-ttl" },
      { correlationId: "o-ttl" },
    );
    const client = monitoring.redis().client();
    try {
      await vi.waitFor(async () => expect(await client.exists(keys.timeline("o-ttl"))).toBe(1), {
        timeout: 15_000,
        interval: 20,
      });
      const ttl = await client.pttl(keys.timeline("o-ttl"));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      client.disconnect();
    }
  });

  it("keeps the newest TIMELINE_MAX_EVENTS events of a timeline, the oldest go", async () => {
    const { app } = await monitoring.instance({ TIMELINE_MAX_EVENTS: "2" });
    const inventory = monitoring.bus("inventory");
    const payload = { ...examplePayloads["order.placed"], orderId: "o-cap" };
    const ids: string[] = [];
    // one order, one partition: recorded in the order published
    for (let index = 0; index < 4; index++)
      ids.push((await inventory.publish("order.placed", payload, { correlationId: "o-cap" })).id);
    await vi.waitFor(async () => {
      const timeline = (await app.inject({ method: "GET", url: "/orders/o-cap/timeline" })).json();
      expect(timeline.events.map(({ id }: { id: string }) => id)).toEqual(ids.slice(2));
    });
  });

  it("trims its streams to about BUS_STREAM_MAX_LENGTH entries when it is set", async () => {
    const monitor = await monitoring.instance({ BUS_STREAM_MAX_LENGTH: "10" }, { start: false });
    for (let index = 0; index < 500; index++) {
      await monitor.bus.publish("client.online", {
        ...examplePayloads["client.online"],
        onlineAt: new Date().toISOString(),
      });
    }
    const client = monitoring.redis().client();
    try {
      let entries = 0;
      for (let partition = 0; partition < partitionsOf(catalog["client.online"]); partition++)
        entries += await client.xlen(streamKey("client.online", partition));
      expect(entries).toBeGreaterThan(0);
      expect(entries).toBeLessThan(500);
    } finally {
      client.disconnect();
    }
  });
});
