import { useRedis } from "@retail/testing";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { gate, metricValue, useBusTestbed } from "../test/fixtures.js";
import { type OrderedCatalog, orderedCatalog } from "../test/ordering/catalog.js";
import type { Bus, Handler, SubscribeOptions } from "./index.js";
import { partitionKeys } from "./keys.js";
import { acquireLease, leaseKey, releaseLease } from "./lease.js";
import { assignPartitions } from "./ownership-assignment.js";
import { partitionFor } from "./partitioning.js";

const TOPIC = "test.ordered";
const PARTITIONS = 6;

describe("partition ownership of a per-key-ordered subscription", () => {
  const testbed = useBusTestbed(useRedis());

  function instance(
    name: string,
    handler: Handler<OrderedCatalog, typeof TOPIC>,
    options: SubscribeOptions = {},
    registry?: Registry,
  ): Bus<OrderedCatalog> {
    const bus = testbed.bus<OrderedCatalog>("ordered", {
      catalog: orderedCatalog,
      consumerName: name,
      ...(registry ? { metrics: registry } : {}),
    });
    bus.subscribe(TOPIC, handler, { ordering: "per-key", leaseTtlMs: 800, ...options });
    return bus;
  }

  /** Who holds each partition's lease now (by index; "" when nobody). */
  async function holders(): Promise<string[]> {
    const client = testbed.redis().client();
    try {
      return await Promise.all(
        Array.from({ length: PARTITIONS }, async (_, partition) => {
          const [holder, until] = await client.hmget(
            leaseKey(TOPIC, partition, "ordered"),
            "holder",
            "until",
          );
          return Number(until ?? 0) > 0 ? (holder ?? "") : "";
        }),
      );
    } finally {
      client.disconnect();
    }
  }

  async function heldAsAssigned(instances: string[]): Promise<void> {
    await vi.waitFor(
      async () => expect(await holders()).toEqual(assignPartitions(TOPIC, PARTITIONS, instances)),
      { timeout: 20_000, interval: 50 },
    );
  }

  it("spreads the partitions evenly over the instances and moves them as instances join and leave, keeping every key's order and never running a key on two instances at once", async () => {
    const handled = new Map<string, number[]>();
    const running = new Set<string>();
    let overlapping = 0;
    const handler: Handler<OrderedCatalog, typeof TOPIC> = async (event) => {
      const key = event.payload.orderId;
      if (running.has(key)) overlapping += 1;
      running.add(key);
      for (let turn = 0; turn < (event.payload.seq % 3) + 1; turn++)
        await new Promise(setImmediate);
      handled.set(key, [...(handled.get(key) ?? []), event.payload.seq]);
      running.delete(key);
    };
    const tester = testbed.bus<OrderedCatalog>("tester", { catalog: orderedCatalog });
    let seq = 0;
    const publishSome = () =>
      Promise.all(
        Array.from({ length: 100 }, () => {
          const next = seq++;
          return tester.publish(TOPIC, { orderId: `order-${next % 30}`, seq: next });
        }),
      );

    const a = instance("a", handler);
    await a.start();
    await heldAsAssigned(["a"]);
    await publishSome();

    const b = instance("b", handler);
    await b.start();
    await publishSome();
    await heldAsAssigned(["a", "b"]);

    const c = instance("c", handler);
    await c.start();
    await heldAsAssigned(["a", "b", "c"]);
    expect([...(await holders())].sort()).toEqual(["a", "a", "b", "b", "c", "c"]);
    await publishSome();
    await b.close();
    await heldAsAssigned(["a", "c"]);

    await vi.waitFor(() => expect([...handled.values()].flat()).toHaveLength(300), {
      timeout: 20_000,
    });
    expect(overlapping).toBe(0);
    for (const [key, seqs] of handled) {
      const index = Number(key.split("-")[1]);
      expect(seqs).toEqual(Array.from({ length: 10 }, (_, round) => index + round * 30));
    }
  });

  it("refuses the acks of a holder whose lease another instance took while its handler ran, and the next holder skips the event it handled", async () => {
    const registry = new Registry();
    const mayFinish = gate();
    const started = gate();
    const runs: number[] = [];
    const a = instance(
      "a",
      async (event) => {
        runs.push(event.payload.seq);
        if (event.payload.seq === 1) {
          started.open();
          await mayFinish.promise;
        }
      },
      { leaseTtlMs: 2_000 },
      registry,
    );
    await a.start();
    await heldAsAssigned(["a"]);
    const tester = testbed.bus<OrderedCatalog>("tester", { catalog: orderedCatalog });
    await tester.publish(TOPIC, { orderId: "k", seq: 1 });
    await started.promise;

    // the lease runs out while the handler runs (as in a pause) and another instance takes it
    const partition = partitionFor("k", PARTITIONS);
    const lease = leaseKey(TOPIC, partition, "ordered");
    const client = testbed.redis().client();
    await client.hset(lease, "until", "0");
    const intruder = await acquireLease(client, lease, "intruder", 60_000);
    if (!intruder.granted) throw new Error("the intruder was refused the lease");
    mayFinish.open();
    await vi.waitFor(async () =>
      expect(await metricValue(registry, "bus_acks_refused_total")).toBe(1),
    );

    // the intruder gives it back: "a" takes it again, and finds the event already handled
    await releaseLease(client, lease, intruder.token);
    await tester.publish(TOPIC, { orderId: "k", seq: 2 });
    await vi.waitFor(() => expect(runs).toEqual([1, 2]), { timeout: 10_000 });
    await vi.waitFor(async () =>
      expect(await metricValue(registry, "bus_events_duplicate_total")).toBe(1),
    );
    const stream = partitionKeys(TOPIC, partition, "ordered").stream;
    await vi.waitFor(async () =>
      expect(await client.xpending(stream, "ordered")).toEqual([0, null, null, null]),
    );
    client.disconnect();
  });
});
