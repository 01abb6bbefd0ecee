import { once } from "node:events";
import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { spawnConsumer, useBusTestbed } from "../test/fixtures.js";
import { processedKey, streamKey } from "./keys.js";

describe("idempotency", () => {
  const testbed = useBusTestbed(useRedis());

  it("has one effect when the same event is delivered twice", async () => {
    const worker = testbed.bus("worker");
    const effects: string[] = [];
    worker.subscribe("test.order-placed", (event) => void effects.push(event.id));
    await worker.start();
    const tester = testbed.bus("tester");
    const first = await tester.publish("test.order-placed", { orderId: "o", seq: 1 });
    // a publisher retrying after a timeout sends the same event id again
    await tester.publish("test.order-placed", { orderId: "o", seq: 1 }, { eventId: first.id });
    await tester.publish("test.order-placed", { orderId: "o", seq: 2 });

    await vi.waitFor(() => expect(effects).toHaveLength(2));
    await vi.waitFor(async () =>
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
    );
    expect(effects[0]).toBe(first.id);
    expect(new Set(effects).size).toBe(2);
  });

  it("skips an event the group processed before, even when it comes back much later", async () => {
    const tester = testbed.bus("tester");
    const event = await tester.publish("test.order-placed", { orderId: "o", seq: 1 });
    const first = testbed.bus("worker");
    const effects: string[] = [];
    first.subscribe("test.order-placed", (received) => void effects.push(received.id), {
      startFrom: "beginning",
    });
    await first.start();
    await vi.waitFor(() => expect(effects).toEqual([event.id]));
    await first.close();

    // another process of the group, long after, sees the same event id again
    await tester.publish("test.order-placed", { orderId: "o", seq: 1 }, { eventId: event.id });
    await tester.publish("test.order-placed", { orderId: "o", seq: 2 });
    const second = testbed.bus("worker");
    second.subscribe("test.order-placed", (received) => void effects.push(received.id));
    await second.start();
    await vi.waitFor(() => expect(effects).toHaveLength(2));
    await vi.waitFor(async () =>
      expect((await second.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
    );
    expect(effects.filter((id) => id === event.id)).toHaveLength(1);
  });

  it("commits a handler's Redis writes, its events and the processed mark in one step, once", async () => {
    const worker = testbed.bus("worker");
    let handlerRuns = 0;
    worker.subscribe(
      "test.order-placed",
      async (event, context) => {
        handlerRuns += 1;
        await apply(
          worker,
          {
            calls: [["HINCRBY", "{worker}:totals", event.payload.orderId, 1]],
            events: [["test.order-handled", event.payload]],
          },
          context,
        );
        // the first run dies after committing and before acknowledging
        if (handlerRuns === 1) throw new Error("crashed after the commit");
      },
      { retry: { initialDelayMs: 5, maxDelayMs: 10 }, idempotency: false },
    );
    await worker.start();
    const placed = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o-1", seq: 1 });

    // Pending is 0 before the first delivery too: wait for the second run as well.
    await vi.waitFor(async () => {
      expect(handlerRuns).toBe(2);
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0);
    });
    const client = testbed.redis().client();
    expect(await client.hget("{worker}:totals", "o-1")).toBe("1");
    const handled = await client.xrange(streamKey("test.order-handled", 0), "-", "+");
    expect(handled).toHaveLength(1);
    const fields = handled[0]?.[1] ?? [];
    // the event it published continues the flow: same correlation id, caused by the placed order
    expect(fields[fields.indexOf("correlationId") + 1]).toBe(placed.correlationId);
    expect(fields[fields.indexOf("causationId") + 1]).toBe(placed.id);
    expect(await client.zscore(processedKey("worker"), placed.id)).not.toBeNull();
    client.disconnect();
  });

  it("continues the flow in a step run for a handled event: correlation, causation and trace", async () => {
    const worker = testbed.bus("worker");
    const prepared: { correlationId: string; causationId?: string; traceparent: string }[] = [];
    worker.subscribe("test.order-placed", async (event, context) => {
      const { events } = await apply(
        worker,
        { events: [["test.order-handled", event.payload]] },
        context,
      );
      prepared.push(...events);
    });
    await worker.start();
    const placed = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(() => expect(prepared).toHaveLength(1));
    expect(prepared[0]).toMatchObject({
      correlationId: placed.correlationId,
      causationId: placed.id,
    });
    expect(prepared[0]?.traceparent.split("-")[1]).toBe(placed.traceparent.split("-")[1]);
  });

  it("keeps the processed mark of an entry still pending past the marks' TTL: the reclaimed entry does not run again", async () => {
    const tester = testbed.bus("tester");
    // an event the group processed before: its mark is the oldest, and not pending
    const trimming = testbed.bus("worker", { idempotencyTtlMs: 200 });
    const handledHere: string[] = [];
    trimming.subscribe("test.partitioned", (event) => void handledHere.push(event.id));
    await trimming.start();
    const older = await tester.publish("test.partitioned", { orderId: "o-0", seq: 0 });
    await vi.waitFor(() => expect(handledHere).toEqual([older.id]));

    // a consumer process commits an event's effect (and its mark), then dies before the ack
    const { child, lines } = spawnConsumer(testbed.redis().address, "hold");
    try {
      await vi.waitFor(() => expect(lines).toContain("ready"), { timeout: 30_000 });
      const committed = await tester.publish("test.order-placed", { orderId: "o-1", seq: 1 });
      await vi.waitFor(() => expect(lines).toContain(`holding ${committed.id}`), {
        timeout: 10_000,
      });
      child.kill("SIGKILL");
      await once(child, "exit");

      // the group goes on handling other events long past the TTL: old marks are trimmed
      const client = testbed.redis().client();
      await vi.waitFor(
        async () => {
          await tester.publish("test.partitioned", { orderId: "o-2", seq: 2 });
          expect(await client.zscore(processedKey("worker"), older.id)).toBeNull();
        },
        { timeout: 10_000, interval: 100 },
      );

      const heir = testbed.bus("worker");
      const heirRuns: string[] = [];
      heir.subscribe(
        "test.order-placed",
        async (event, context) => {
          heirRuns.push(event.id);
          await apply(heir, { calls: [["HINCRBY", "{worker}:effects", event.id, 1]] }, context);
        },
        { claimIdleMs: 500, reclaimIntervalMs: 100 },
      );
      await heir.start();
      await vi.waitFor(
        async () => expect((await heir.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
        { timeout: 15_000 },
      );
      expect(heirRuns).toEqual([]);
      expect(await client.hget("{worker}:effects", committed.id)).toBe("1");
      client.disconnect();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
