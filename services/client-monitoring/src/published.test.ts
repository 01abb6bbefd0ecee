import { type Bus, createBus, NonRetryableError } from "@retail/bus";
import { catalog, examplePayloads, type RetailCatalog } from "@retail/contracts";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testLogger, useMonitoring } from "../test/harness.js";
import { AlertBook } from "./alerts.js";
import { ClientRegistry } from "./clients.js";
import { DeadLetterWatch } from "./dead-letters.js";

/** `bus_events_published_total{topic}` summed over the instances' buses (each has its registry). */
async function publishedByTopic(buses: Bus<RetailCatalog>[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const bus of buses) {
    const metric = (await bus.metricsRegistry.getMetricsAsJSON()).find(
      ({ name }) => name === "bus_events_published_total",
    );
    for (const { labels, value } of metric?.values ?? []) {
      const topic = String(labels.topic);
      counts[topic] = (counts[topic] ?? 0) + value;
    }
  }
  return counts;
}

describe("bus_events_published_total", () => {
  const monitoring = useMonitoring();
  const opened: { bus: Bus<RetailCatalog>; redis: Redis }[] = [];
  afterEach(async () => {
    for (const { bus, redis } of opened.splice(0)) {
      await bus.close();
      redis.disconnect();
    }
  });

  /** One instance's registry and dead-letter watch, on its own Redis client and bus. */
  function instance() {
    const redis = new Redis(monitoring.redis().url);
    const bus = createBus({ service: "client-monitoring", catalog, redis, logger: testLogger });
    opened.push({ bus, redis });
    return {
      bus,
      clients: new ClientRegistry(redis, bus, { offlineAfterMs: 1_000, forgetAfterMs: 3_600_000 }),
      deadLetters: new DeadLetterWatch(redis, bus, new AlertBook(redis, bus, 100)),
    };
  }

  it("counts the events the racing instances' scripts appended, not those they prepared and left out", async () => {
    const instances = [instance(), instance(), instance()];
    const clientIds = ["till-1", "till-2", "web-1"];
    // every instance hears every client: only the first heartbeat of each brings it online
    await Promise.all(
      instances.flatMap(({ clients }) =>
        clientIds.map((clientId) =>
          clients.heartbeat({ clientId, app: "till", version: "1" }, "t"),
        ),
      ),
    );
    // every instance sweeps twice: each client goes offline in exactly one sweep
    const later = new Date(Date.now() + 5_000);
    await Promise.all(
      instances.flatMap(({ clients }) => [clients.sweep(later), clients.sweep(later)]),
    );

    const shipping = monitoring.bus("shipping");
    shipping.subscribe("order.placed", () => {
      throw new NonRetryableError("cannot ship");
    });
    await shipping.start();
    await monitoring
      .bus("inventory")
      .publish("order.placed", { ...examplePayloads["order.placed"], orderId: "o-1" });
    await vi.waitFor(async () => {
      const groups = await shipping.admin.groups("order.placed");
      expect(groups.find(({ group }) => group === "shipping")?.deadLetters).toBe(1);
    });
    // every instance prepares the alert; one compare-and-set raises it
    await Promise.all(instances.map(({ deadLetters }) => deadLetters.check()));

    const counts = await publishedByTopic(instances.map(({ bus }) => bus));
    expect(counts).toEqual({
      "client.online": clientIds.length,
      "client.offline": clientIds.length,
      "alert.raised": 1,
    });
    for (const [topic, count] of Object.entries(counts))
      expect(await monitoring.events(topic as "alert.raised")).toHaveLength(count);
  });
});
