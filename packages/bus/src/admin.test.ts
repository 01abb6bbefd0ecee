import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import { UnknownTopicError } from "./errors.js";

describe("admin", () => {
  const testbed = useBusTestbed();

  it("reports each topic's length and first and last entries, over all partitions", async () => {
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < 12; seq += 1)
      await tester.publish("test.partitioned", { orderId: `o-${seq}`, seq });
    const stats = await tester.admin.topic("test.partitioned");
    expect(stats.length).toBe(12);
    expect(stats.partitions).toHaveLength(4);
    expect(stats.partitions.reduce((sum, partition) => sum + partition.length, 0)).toBe(12);
    expect(stats.firstEntry && stats.lastEntry && stats.firstEntry.id < stats.lastEntry.id).toBe(
      true,
    );
    expect(Date.parse(stats.lastEntry?.at ?? "")).not.toBeNaN();

    const all = await tester.admin.topics();
    expect(all.map((topic) => topic.topic).sort()).toEqual([
      "test.aged",
      "test.capped",
      "test.order-handled",
      "test.order-placed",
      "test.partitioned",
    ]);
    expect(all.find((topic) => topic.topic === "test.aged")).toMatchObject({
      length: 0,
      publisher: "tester",
    });
    await expect(tester.admin.topic("nope")).rejects.toBeInstanceOf(UnknownTopicError);
  });

  it("reports each group's consumers, pending, lag and dead letters", async () => {
    const release = gate();
    const worker = testbed.bus("worker");
    worker.subscribe("test.order-placed", () => release.promise, { concurrency: 1 });
    await worker.start();
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < 4; seq += 1)
      await tester.publish("test.order-placed", { orderId: `o-${seq}`, seq });

    await vi.waitFor(async () => {
      const [group] = await tester.admin.groups("test.order-placed");
      expect(group).toMatchObject({ group: "worker", pending: 1, lag: 3, deadLetters: 0 });
      expect(group?.consumers).toEqual([
        expect.objectContaining({ name: worker.consumerName, pending: 1 }),
      ]);
    });
    release.open();
  });
});
