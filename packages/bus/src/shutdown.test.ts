import { createHook } from "node:async_hooks";
import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import { BusClosedError } from "./errors.js";
import { parkedKey, streamKey } from "./keys.js";
import { PARKED_CONSUMER } from "./parking.js";

describe("close", () => {
  const testbed = useBusTestbed(useRedis());

  async function pendingOf(consumer: string): Promise<number> {
    const client = testbed.redis().client();
    const rows = (await client.xpending(
      streamKey("test.order-placed", 0),
      "worker",
      "-",
      "+",
      100,
      consumer,
    )) as unknown[];
    client.disconnect();
    return rows.length;
  }

  it("stops reading, lets a running handler finish and acknowledges it", async () => {
    const release = gate();
    const started = gate();
    const worker = testbed.bus("worker");
    let finished = false;
    worker.subscribe("test.order-placed", async () => {
      started.open();
      await release.promise;
      finished = true;
    });
    await worker.start();
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await started.promise;

    const closing = worker.close();
    release.open();
    await closing;
    expect(finished).toBe(true);
    const client = testbed.redis().client();
    const [pending] = (await client.xpending(streamKey("test.order-placed", 0), "worker")) as [
      number,
    ];
    client.disconnect();
    expect(Number(pending)).toBe(0);
  });

  it("leaves a handler that outlives the deadline pending for another consumer, and aborts its signal", async () => {
    const started = gate();
    const worker = testbed.bus("worker", { shutdownTimeoutMs: 200 });
    let aborted = false;
    worker.subscribe("test.order-placed", async (_event, context) => {
      started.open();
      await new Promise<void>((resolve) =>
        context.signal.addEventListener("abort", () => resolve()),
      );
      aborted = true;
    });
    await worker.start();
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await started.promise;

    await worker.close();
    await vi.waitFor(() => expect(aborted).toBe(true));
    expect(await pendingOf(worker.consumerName)).toBe(1);
  });

  it("does not start entries that were waiting for their key, and hands them to the group: parked, due at once, their delivery uncounted", async () => {
    const release = gate();
    const started = gate();
    const worker = testbed.bus("worker");
    const ran: number[] = [];
    worker.subscribe("test.order-placed", async (event) => {
      ran.push(event.payload.seq);
      started.open();
      await release.promise;
    });
    await worker.start();
    const tester = testbed.bus("tester");
    for (let seq = 1; seq <= 3; seq += 1)
      await tester.publish("test.order-placed", { orderId: "same", seq });
    await started.promise;
    await vi.waitFor(async () => expect(await pendingOf(worker.consumerName)).toBe(3));

    const closing = worker.close();
    release.open();
    await closing;
    expect(ran).toEqual([1]);
    expect(await pendingOf(worker.consumerName)).toBe(0);
    const client = testbed.redis().client();
    const parked = (await client.call(
      "XPENDING",
      streamKey("test.order-placed", 0),
      "worker",
      "-",
      "+",
      10,
      PARKED_CONSUMER,
    )) as [string, string, number, number][];
    expect(parked.map(([, , , deliveries]) => deliveries)).toEqual([0, 0]);
    const due = await client.zrange(
      parkedKey("test.order-placed", 0, "worker"),
      "0",
      "-1",
      "WITHSCORES",
    );
    expect(due).toHaveLength(4);
    expect(Number(due[3])).toBeLessThanOrEqual(Date.now() + 1);
    client.disconnect();
  });

  it("leaves no timers behind, removes an idle consumer from its group, and refuses further use", async () => {
    // On a cluster the bus is given the test's Cluster client, which it never closes:
    // connected before counting. Then every timer started from here on, until it fires
    // or is cleared: counting all of the process's timers would also count vi.waitFor's.
    const connection = testbed.redis().connection();
    if (typeof connection !== "string") await connection.ping();
    const started = new Set<number>();
    const hook = createHook({
      init(id, type) {
        if (type === "Timeout") started.add(id);
      },
      destroy(id) {
        started.delete(id);
      },
    }).enable();
    try {
      const worker = testbed.bus("worker", { redis: connection });
      worker.subscribe("test.partitioned", () => {});
      worker.pubsub.broadcast("anything", (await import("zod")).z.string());
      await worker.start();
      expect(started.size).toBeGreaterThan(0);
      await worker.close();
      await worker.close();
      const leftAtClose = [...started];
      // ioredis guards each socket it ends with a timer until the socket has closed (at
      // most 2 s: then it destroys the socket)
      await vi.waitFor(() => expect(leftAtClose.filter((id) => started.has(id))).toEqual([]), {
        timeout: 5_000,
      });
      await expect(
        worker.publish("test.order-placed" as never, {} as never),
      ).rejects.toBeInstanceOf(BusClosedError);
    } finally {
      hook.disable();
    }
    const groups = await testbed.bus("tester").admin.groups("test.partitioned");
    expect(groups[0]?.consumers).toEqual([]);
  });
});
