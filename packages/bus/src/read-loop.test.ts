import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import { streamKey } from "./keys.js";

describe("reading a partition stream", () => {
  const testbed = useBusTestbed(useRedis());

  it("never reads more entries than it has free handler slots", async () => {
    const release = gate();
    const worker = testbed.bus("worker");
    let started = 0;
    worker.subscribe(
      "test.order-placed",
      async () => {
        started += 1;
        await release.promise;
      },
      { concurrency: 4 },
    );
    await worker.start();
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < 20; seq += 1) {
      await tester.publish("test.order-placed", { orderId: `order-${seq}`, seq });
    }

    await vi.waitFor(() => expect(started).toBe(4));
    const client = testbed.redis().client();
    const [count] = (await client.xpending(streamKey("test.order-placed", 0), "worker")) as [
      number,
    ];
    const [group] = await worker.admin.groups("test.order-placed");
    client.disconnect();
    // 4 delivered (pending), 16 still waiting in the stream, visible as lag
    expect(Number(count)).toBe(4);
    expect(group?.lag).toBe(16);

    release.open();
    // Pending touches 0 between batches too: wait for the twentieth start as well.
    await vi.waitFor(async () => {
      expect(started).toBe(20);
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0);
    });
  });
});
