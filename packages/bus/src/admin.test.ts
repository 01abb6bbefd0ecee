import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import { NonRetryableError, UnknownTopicError } from "./errors.js";
import { deadLetterKey, streamKey } from "./keys.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };

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
      "test.fragile",
      "test.order-handled",
      "test.order-placed",
      "test.partitioned",
      "test.soak",
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

  /** Worker and auditor both refuse every order: each order is dead-lettered once per group. */
  async function deadLetterInTwoGroups(orders: number) {
    const worker = testbed.bus("worker");
    worker.subscribe(
      "test.partitioned",
      () => {
        throw new NonRetryableError("worker refuses");
      },
      fast,
    );
    const auditor = testbed.bus("auditor");
    auditor.subscribe(
      "test.partitioned",
      () => {
        throw new NonRetryableError("auditor refuses");
      },
      fast,
    );
    await Promise.all([worker.start(), auditor.start()]);
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < orders; seq += 1)
      await tester.publish("test.partitioned", { orderId: `o-${seq}`, seq });
    await vi.waitFor(async () =>
      expect(await tester.admin.listDeadLetters("test.partitioned")).toHaveLength(2 * orders),
    );
    await Promise.all([worker.close(), auditor.close()]);
    return tester;
  }

  it("returns one dead letter by id, parsed exactly as the list parses it", async () => {
    const tester = await deadLetterInTwoGroups(3);
    const letters = await tester.admin.listDeadLetters("test.partitioned");
    for (const letter of letters) {
      const found = await tester.admin.findDeadLetters([letter.id]);
      expect(found).toContainEqual(letter);
      // Ids are unique per stream only: another partition's dead letter may share it.
      const sameId = letters.filter((other) => other.id === letter.id);
      expect(sameId).toContainEqual(
        await tester.admin.getDeadLetter(letter.id, {
          topics: [letter.topic],
          group: letter.group,
        }),
      );
    }
    const [first] = letters;
    expect(await tester.admin.getDeadLetter(first?.id ?? "")).toEqual(
      expect.objectContaining({ id: first?.id, topic: "test.partitioned" }),
    );
  });

  it("answers undefined for an id no dead-letter stream has, or that is not a stream id", async () => {
    const tester = await deadLetterInTwoGroups(1);
    expect(await tester.admin.getDeadLetter("1-0")).toBeUndefined();
    // a bare millisecond would be a whole range to XRANGE: it names no single entry
    const [letter] = await tester.admin.listDeadLetters("test.partitioned");
    expect(await tester.admin.getDeadLetter(letter?.id.split("-")[0] ?? "")).toBeUndefined();
    expect(await tester.admin.getDeadLetter("nope")).toBeUndefined();
    expect(
      await tester.admin.getDeadLetter(letter?.id ?? "", { topics: ["test.order-placed"] }),
    ).toBeUndefined();
  });

  it("still lists, counts, finds and purges the dead letters of a group deleted since", async () => {
    const tester = await deadLetterInTwoGroups(4);
    const client = testbed.redis().client();
    try {
      for (let partition = 0; partition < 4; partition += 1)
        await client.xgroup("DESTROY", streamKey("test.partitioned", partition), "auditor");
      // a key that only looks like a dead-letter stream of another topic is left alone
      await client.xadd(deadLetterKey("test.partitioned-not", 0, "auditor"), "*", "x", "1");
    } finally {
      client.disconnect();
    }
    expect((await tester.admin.groups("test.partitioned")).map((group) => group.group)).toEqual([
      "worker",
    ]);

    const letters = await tester.admin.listDeadLetters("test.partitioned");
    expect(letters.filter((letter) => letter.group === "auditor")).toHaveLength(4);
    expect(letters.filter((letter) => letter.group === "worker")).toHaveLength(4);
    expect(letters.every((letter) => letter.topic === "test.partitioned")).toBe(true);
    const auditors = letters.filter((letter) => letter.group === "auditor");
    expect(auditors.every((letter) => letter.error === "auditor refuses")).toBe(true);
    expect(auditors.filter((letter) => letter.id === auditors[0]?.id)).toContainEqual(
      await tester.admin.getDeadLetter(auditors[0]?.id ?? "", { group: "auditor" }),
    );
    const streams = await tester.admin.deadLetterStreams({ topics: ["test.partitioned"] });
    expect(new Set(streams.map((stream) => stream.group))).toEqual(new Set(["auditor", "worker"]));

    expect(await tester.admin.purgeDeadLetters("test.partitioned", { group: "auditor" })).toBe(4);
    expect(
      (await tester.admin.listDeadLetters("test.partitioned")).map((letter) => letter.group),
    ).toEqual(["worker", "worker", "worker", "worker"]);
  });
});
