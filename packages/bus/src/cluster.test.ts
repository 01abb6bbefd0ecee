import { useRedis } from "@retail/testing";
import type { Cluster } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testLogger } from "../test/fixtures.js";
import { catalog } from "../test/fixtures-catalog.js";
import { type Bus, createBus } from "./index.js";
import { outboxKey, partitionKeys, processedKey, relayLeaseKey, streamKey } from "./keys.js";
import { keySlot } from "./slots.js";

const PARTITIONS = 4;
const EVENTS = 40;

// On the cluster the run shares: vitest.cluster.config.ts runs it, vitest.config.ts does not.
describe("the bus on a Redis Cluster of three masters", () => {
  const cluster = useRedis();
  const buses: Bus<typeof catalog>[] = [];

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await cluster().flushAll();
  });

  function bus(service: string, redis: Cluster): Bus<typeof catalog> {
    const created = createBus({
      service,
      catalog,
      redis,
      logger: testLogger,
      shutdownTimeoutMs: 2_000,
    });
    buses.push(created);
    return created;
  }

  function client(): Cluster {
    expect(cluster().kind).toBe("cluster");
    return cluster().connection() as Cluster;
  }

  /** The masters holding `key`, asked of each master: the slot's keys it has. */
  async function holders(redis: Cluster, key: string): Promise<string[]> {
    const slot = Number(await redis.cluster("KEYSLOT", key));
    const owners: string[] = [];
    for (const master of redis.nodes("master")) {
      if (Number(await master.cluster("COUNTKEYSINSLOT", slot)) > 0)
        owners.push(`${master.options.host}:${master.options.port}`);
    }
    return owners;
  }

  it("delivers every event of a four-partition topic to its group exactly once, with the partitions on several masters", async () => {
    const handled: string[] = [];
    const worker = bus("worker", client());
    worker.subscribe("test.partitioned", (event) => {
      handled.push(event.id);
    });
    await worker.start();

    const tester = bus("tester", client());
    const published = new Set<string>();
    for (let seq = 0; seq < EVENTS; seq += 1) {
      const envelope = await tester.publish("test.partitioned", { orderId: `order-${seq}`, seq });
      published.add(envelope.id);
    }

    const admin = client();
    const streams = Array.from({ length: PARTITIONS }, (_, partition) =>
      streamKey("test.partitioned", partition),
    );
    await vi.waitFor(
      async () => {
        expect(handled).toHaveLength(EVENTS);
        for (const stream of streams) {
          // acknowledged: nothing left for a redelivery
          const [pending] = (await admin.xpending(stream, "worker")) as [number];
          expect(pending).toBe(0);
        }
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(new Set(handled)).toEqual(published);
    expect(handled).toHaveLength(EVENTS);

    const masters = new Set<string>();
    for (const stream of streams) {
      const owners = await holders(admin, stream);
      expect(owners).toHaveLength(1);
      masters.add(owners[0] as string);
    }
    expect(masters.size).toBeGreaterThan(1);
  });

  it("computes the slot of every kind of key the bus and the services use as CLUSTER KEYSLOT does", async () => {
    // The cross-slot check every LuaScript run makes (CrossSlotError) hashes keys on
    // the client; this ties that hash to Redis's own.
    const keys = [
      ...Object.values(partitionKeys("order.placed", 3, "shipping")),
      processedKey("inventory"),
      processedKey("auditor", "inventory"),
      outboxKey("inventory"),
      relayLeaseKey("inventory"),
      "{inventory}:product:SKU-1",
      "{shipping}:shipment:abc",
      "no-tag-at-all",
      "{}:empty-tag",
      "{unclosed:tag",
    ];
    const admin = client();
    for (const key of keys) {
      expect(keySlot(key), key).toBe(Number(await admin.cluster("KEYSLOT", key)));
    }
  });
});
