import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import { BusClosedError } from "./errors.js";
import { parkedKey, streamKey } from "./keys.js";
import { PARKED_CONSUMER } from "./parking.js";

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

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
    // that client's timers were there before.
    const connection = testbed.redis().connection();
    if (typeof connection !== "string") await connection.ping();
    const before = timers();
    const worker = testbed.bus("worker", { redis: connection });
    worker.subscribe("test.partitioned", () => {});
    worker.pubsub.broadcast("anything", (await import("zod")).z.string());
    await worker.start();
    expect(timers()).toBeGreaterThan(before);
    await worker.close();
    await worker.close();
    // ioredis guards each socket it ends with a timer until the socket has closed (at
    // most 2 s: then it destroys the socket)
    await vi.waitFor(() => expect(timers()).toBeLessThanOrEqual(before), { timeout: 5_000 });
    const groups = await testbed.bus("tester").admin.groups("test.partitioned");
    expect(groups[0]?.consumers).toEqual([]);
    await expect(worker.publish("test.order-placed" as never, {} as never)).rejects.toBeInstanceOf(
      BusClosedError,
    );
  });
});
