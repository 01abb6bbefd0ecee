import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { useBusTestbed } from "../test/fixtures.js";

describe("concurrency and per-key order", () => {
  const testbed = useBusTestbed(useRedis());

  it("handles 1,000 events over 50 keys at concurrency 16: per key in stream order, never two at once", async () => {
    const worker = testbed.bus("worker");
    const running = new Set<string>();
    const order = new Map<string, number[]>();
    let overlapping = 0;
    let maxParallel = 0;
    worker.subscribe(
      "test.order-placed",
      async (event) => {
        const key = event.payload.orderId;
        if (running.has(key)) overlapping += 1;
        running.add(key);
        maxParallel = Math.max(maxParallel, running.size);
        // yield a few times so that entries of other keys interleave
        for (let turn = 0; turn < (event.payload.seq % 3) + 1; turn += 1)
          await new Promise(setImmediate);
        order.set(key, [...(order.get(key) ?? []), event.payload.seq]);
        running.delete(key);
      },
      { concurrency: 16 },
    );
    await worker.start();

    const tester = testbed.bus("tester");
    await Promise.all(
      Array.from({ length: 1_000 }, (_, seq) =>
        tester.publish("test.order-placed", { orderId: `order-${seq % 50}`, seq }),
      ),
    );

    await vi.waitFor(
      () => expect([...order.values()].reduce((sum, list) => sum + list.length, 0)).toBe(1_000),
      { timeout: 30_000 },
    );
    expect(overlapping).toBe(0);
    expect(maxParallel).toBeGreaterThan(1);
    expect(maxParallel).toBeLessThanOrEqual(16);
    for (const [key, seqs] of order) {
      const published = Array.from(
        { length: 20 },
        (_, index) => Number(key.split("-")[1]) + index * 50,
      );
      expect(seqs).toEqual(published);
    }
  });

  it("splits a partitioned topic's slots over its partition streams and reads them all", async () => {
    const worker = testbed.bus("worker");
    const seen = new Set<number>();
    worker.subscribe("test.partitioned", (event) => void seen.add(event.payload.seq), {
      concurrency: 8,
    });
    await worker.start();
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < 100; seq += 1) {
      await tester.publish("test.partitioned", { orderId: `order-${seq}`, seq });
    }
    await vi.waitFor(() => expect(seen.size).toBe(100));
    const groups = await worker.admin.groups("test.partitioned");
    expect(groups).toEqual([expect.objectContaining({ group: "worker", pending: 0, lag: 0 })]);
  });
});
