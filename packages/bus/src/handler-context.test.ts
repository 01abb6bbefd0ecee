import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { useBusTestbed } from "../test/fixtures.js";
import { streamKey } from "./keys.js";

describe("events a handler publishes", () => {
  const testbed = useBusTestbed(useRedis());

  it("keep their ids when a step runs again: a redelivery appends the same ids, and consumers drop the copies", async () => {
    const worker = testbed.bus("worker");
    let runs = 0;
    worker.subscribe(
      "test.order-placed",
      async (event, context) => {
        runs += 1;
        await apply(
          worker,
          {
            events: [
              ["test.order-handled", { ...event.payload, note: "first" }],
              ["test.order-handled", { ...event.payload, note: "second" }],
            ],
            // unmarked, so that the redelivery runs the step again instead of skipping it
            unhandled: true,
          },
          context,
        );
        // the first run crashes after publishing and before the acknowledgement
        if (runs === 1) throw new Error("crashed after publishing");
      },
      { retry: { initialDelayMs: 5, maxDelayMs: 10 } },
    );
    await worker.start();
    const tester = testbed.bus("tester");
    const downstream: string[] = [];
    tester.subscribe("test.order-handled", (event) => void downstream.push(event.id));
    await tester.start();
    await tester.publish("test.order-placed", { orderId: "o", seq: 1 });

    const client = testbed.redis().client();
    await vi.waitFor(async () =>
      expect(await client.xlen(streamKey("test.order-handled", 0))).toBe(4),
    );
    const ids = (await client.xrange(streamKey("test.order-handled", 0), "-", "+")).map(
      ([, fields]) => fields[fields.indexOf("id") + 1],
    );
    client.disconnect();
    const [first, second] = ids;
    expect(ids).toEqual([first, second, first, second]);
    expect(first).not.toBe(second);
    await vi.waitFor(async () =>
      expect((await tester.admin.groups("test.order-handled"))[0]).toMatchObject({
        pending: 0,
        lag: 0,
      }),
    );
    expect(downstream).toEqual([first, second]);
  });

  it("get ids of their own: another group's events caused by the same event differ", async () => {
    const published: Record<string, string> = {};
    for (const group of ["worker", "worker-replica"]) {
      const bus = testbed.bus("worker");
      bus.subscribe(
        "test.order-placed",
        async (event, context) => {
          const { events } = await apply(
            bus,
            { events: [["test.order-handled", event.payload]] },
            context,
          );
          published[group] = events[0]?.id ?? "";
        },
        { group },
      );
      await bus.start();
    }
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(() => expect(Object.keys(published)).toHaveLength(2));
    expect(published.worker).not.toBe(published["worker-replica"]);
    expect(published.worker).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
