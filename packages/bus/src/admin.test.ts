import { useRedis } from "@retail/testing";
import type { ChainableCommander } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { catalog, gate, useBusTestbed } from "../test/fixtures.js";
import { BusAdmin, type GroupStats } from "./admin.js";
import { NonRetryableError, UnknownTopicError } from "./errors.js";
import { deadLetterKey, streamKey } from "./keys.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };

describe("admin", () => {
  const testbed = useBusTestbed(useRedis());

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
    expect(all.map((topic) => topic.topic)).toEqual(Object.keys(catalog));
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

  /**
   * Worker and auditor both refuse every order of the topic: each order is
   * dead-lettered once per group.
   */
  async function deadLetterInTwoGroups(
    orders: number,
    topic: "test.soak" | "test.order-placed" = "test.soak",
  ) {
    const refusing = ["worker", "auditor"].map((name) => {
      const bus = testbed.bus(name);
      bus.subscribe(
        topic,
        () => {
          throw new NonRetryableError(`${name} refuses`);
        },
        fast,
      );
      return bus;
    });
    await Promise.all(refusing.map((bus) => bus.start()));
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < orders; seq += 1)
      await tester.publish(topic, { orderId: `o-${seq}`, seq });
    await vi.waitFor(async () =>
      expect(await tester.admin.listDeadLetters(topic)).toHaveLength(2 * orders),
    );
    await Promise.all(refusing.map((bus) => bus.close()));
    return tester;
  }

  /**
   * A `BusAdmin` on its own client, and how many round trips it has taken: pipelines
   * sent while none was in flight (a cluster gets one pipeline per node, sent at once).
   */
  function countedAdmin() {
    const client = testbed.redis().client();
    const pipeline = client.pipeline.bind(client) as (...args: unknown[]) => ChainableCommander;
    let inFlight = 0;
    let rounds = 0;
    vi.spyOn(client, "pipeline").mockImplementation((...args: unknown[]) => {
      const created = pipeline(...args);
      const exec = created.exec.bind(created);
      created.exec = async () => {
        if (inFlight === 0) rounds += 1;
        inFlight += 1;
        try {
          return await exec();
        } finally {
          inFlight -= 1;
        }
      };
      return created;
    });
    return { admin: new BusAdmin(client, catalog), roundTrips: () => rounds };
  }

  /** Group stats without the consumers' idle times, which change from one read to the next. */
  const steady = (groups: GroupStats[]) =>
    groups.map((group) => ({
      ...group,
      consumers: group.consumers.map(({ idleMs: _, ...consumer }) => consumer),
    }));

  it("reads every topic's streams and every catalog group's load and dead letters in one round trip", async () => {
    await deadLetterInTwoGroups(3, "test.order-placed");
    const { admin, roundTrips } = countedAdmin();
    const { topics, groups } = await admin.overview();
    expect(roundTrips()).toBe(1);

    expect(topics).toEqual(await admin.topics());
    expect(steady(groups)).toEqual(steady(await admin.allGroups()));
    expect(groups.map(({ topic, group }) => `${topic} ${group}`)).toEqual([
      "test.order-placed auditor",
      "test.order-placed worker",
    ]);
    for (const group of groups)
      expect(group).toMatchObject({ pending: 0, lag: 0, parked: 0, deadLetters: 3, trimmed: 0 });
    expect(topics.find(({ topic }) => topic === "test.order-placed")?.length).toBe(3);
  });

  it("reads the load of known subscriptions in one round trip, counting nothing for a missing group", async () => {
    await deadLetterInTwoGroups(2, "test.order-placed");
    const { admin, roundTrips } = countedAdmin();
    expect(
      await admin.groupLoad([
        { topic: "test.order-placed", group: "worker" },
        { topic: "test.partitioned", group: "worker" },
      ]),
    ).toEqual([
      {
        topic: "test.order-placed",
        group: "worker",
        pending: 0,
        lag: 0,
        parked: 0,
        deadLetters: 2,
      },
      { topic: "test.partitioned", group: "worker", pending: 0, lag: 0, parked: 0, deadLetters: 0 },
    ]);
    expect(roundTrips()).toBe(1);
  });

  it("reads the groups the catalog does not list as consumers in a second round trip", async () => {
    await deadLetterInTwoGroups(2);
    // an operator's group, made by hand: the catalog does not know it
    const client = testbed.redis().client();
    try {
      for (let partition = 0; partition < 4; partition += 1)
        await client.xgroup("CREATE", streamKey("test.soak", partition), "probe", "$");
    } finally {
      client.disconnect();
    }
    const { admin, roundTrips } = countedAdmin();
    const groups = await admin.allGroups(["test.soak"]);
    expect(roundTrips()).toBe(2);
    expect(groups).toEqual([
      expect.objectContaining({ group: "auditor", deadLetters: 2, pending: 0, lag: 0 }),
      expect.objectContaining({
        group: "probe",
        deadLetters: 0,
        pending: 0,
        lag: 0,
        consumers: [],
      }),
      expect.objectContaining({ group: "worker", deadLetters: 2, pending: 0, lag: 0 }),
    ]);
    expect(steady(groups)).toEqual(steady(await admin.groups("test.soak")));
  });

  it("finds every dead letter through a client that has not connected yet", async () => {
    await deadLetterInTwoGroups(2);
    const admin = new BusAdmin(testbed.redis().client(), catalog);
    expect(await admin.listDeadLetters("test.soak")).toHaveLength(4);
  });

  it("returns one dead letter by id, parsed exactly as the list parses it", async () => {
    const tester = await deadLetterInTwoGroups(3);
    const letters = await tester.admin.listDeadLetters("test.soak");
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
      expect.objectContaining({ id: first?.id, topic: "test.soak" }),
    );
  });

  it("answers undefined for an id no dead-letter stream has, or that is not a stream id", async () => {
    const tester = await deadLetterInTwoGroups(1);
    expect(await tester.admin.getDeadLetter("1-0")).toBeUndefined();
    // a bare millisecond would be a whole range to XRANGE: it names no single entry
    const [letter] = await tester.admin.listDeadLetters("test.soak");
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
        await client.xgroup("DESTROY", streamKey("test.soak", partition), "auditor");
      // a key that only looks like a dead-letter stream of another topic is left alone
      await client.xadd(deadLetterKey("test.soak-not", 0, "auditor"), "*", "x", "1");
    } finally {
      client.disconnect();
    }
    expect((await tester.admin.groups("test.soak")).map((group) => group.group)).toEqual([
      "worker",
    ]);

    const letters = await tester.admin.listDeadLetters("test.soak");
    expect(letters.filter((letter) => letter.group === "auditor")).toHaveLength(4);
    expect(letters.filter((letter) => letter.group === "worker")).toHaveLength(4);
    expect(letters.every((letter) => letter.topic === "test.soak")).toBe(true);
    const auditors = letters.filter((letter) => letter.group === "auditor");
    expect(auditors.every((letter) => letter.error === "auditor refuses")).toBe(true);
    expect(auditors.filter((letter) => letter.id === auditors[0]?.id)).toContainEqual(
      await tester.admin.getDeadLetter(auditors[0]?.id ?? "", { group: "auditor" }),
    );
    const streams = await tester.admin.deadLetterStreams({ topics: ["test.soak"] });
    expect(new Set(streams.map((stream) => stream.group))).toEqual(new Set(["auditor", "worker"]));

    expect(await tester.admin.purgeDeadLetters("test.soak", { group: "auditor" })).toBe(4);
    expect((await tester.admin.listDeadLetters("test.soak")).map((letter) => letter.group)).toEqual(
      ["worker", "worker", "worker", "worker"],
    );
  });
});
