import { useRedis } from "@retail/testing";
import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import type { Envelope } from "./envelope.js";
import { streamKey } from "./keys.js";

describe("consumer groups", () => {
  const testbed = useBusTestbed(useRedis());

  it("creates the group and its stream on start, and delivers what is published next", async () => {
    const worker = testbed.bus("worker");
    const seen: number[] = [];
    worker.subscribe("test.order-placed", (event) => {
      seen.push(event.payload.seq);
    });
    await worker.start();
    const client = testbed.redis().client();
    const groups = (await client.xinfo("GROUPS", streamKey("test.order-placed", 0))) as unknown[][];
    expect(groups.map((group) => group[1])).toEqual(["worker"]);

    await testbed.bus("tester").publish("test.order-placed", { orderId: "o-1", seq: 7 });
    await vi.waitFor(() => expect(seen).toEqual([7]));
    client.disconnect();
  });

  it("refuses a subscription in a group the catalog does not list as the topic's consumer", () => {
    const stranger = testbed.bus("stranger");
    expect(() => stranger.subscribe("test.order-placed", () => {})).toThrow(
      expect.objectContaining({
        code: "BUS_ERR_SUBSCRIPTION",
        message: expect.stringMatching(/not a consumer/),
      }),
    );
    const worker = testbed.bus("worker");
    expect(() => worker.subscribe("test.order-placed", () => {}, { group: "auditors" })).toThrow(
      /group "auditors" is not a consumer/,
    );
  });

  it("delivers each event once per group: two groups both get it, two consumers of one group share it", async () => {
    const handled: string[] = [];
    const record = (who: string) => (event: Envelope<{ seq: number }>) => {
      handled.push(`${who}:${event.payload.seq}`);
    };
    const workerA = testbed.bus("worker");
    const workerB = testbed.bus("worker");
    const auditor = testbed.bus("auditor");
    workerA.subscribe("test.order-placed", record("worker"));
    workerB.subscribe("test.order-placed", record("worker"));
    auditor.subscribe("test.order-placed", record("auditor"));
    await Promise.all([workerA.start(), workerB.start(), auditor.start()]);
    expect(workerA.consumerName).not.toBe(workerB.consumerName);

    const tester = testbed.bus("tester");
    for (let seq = 0; seq < 20; seq += 1)
      await tester.publish("test.order-placed", { orderId: `o-${seq}`, seq });

    await vi.waitFor(() => expect(handled).toHaveLength(40));
    const byGroup = (group: string) =>
      handled
        .filter((entry) => entry.startsWith(`${group}:`))
        .map((entry) => Number(entry.split(":")[1]))
        .sort((left, right) => left - right);
    expect(byGroup("worker")).toEqual([...Array(20).keys()]);
    expect(byGroup("auditor")).toEqual([...Array(20).keys()]);
  });

  it("starts a new group at the beginning, from a time, or with new entries only", async () => {
    const tester = testbed.bus("tester");
    await tester.publish("test.order-placed", { orderId: "o", seq: 1 });
    await tester.publish("test.order-placed", { orderId: "o", seq: 2 });
    const client = testbed.redis().client();
    const rows = await client.xrange(streamKey("test.order-placed", 0), "-", "+");
    const secondId = rows[1]?.[0];
    client.disconnect();
    const secondAt = new Date(Number((secondId as string).split("-")[0]));

    const seen: Record<string, number[]> = { beginning: [], time: [], new: [] };
    const subscribe = (group: keyof typeof seen, startFrom: "beginning" | "new" | Date) => {
      const bus = testbed.bus("worker");
      bus.subscribe("test.order-placed", (event) => void seen[group]?.push(event.payload.seq), {
        group,
        startFrom,
      });
      return bus.start();
    };
    await subscribe("beginning", "beginning");
    await subscribe("new", "new");
    await subscribe("time", new Date(secondAt.getTime() - 1));
    await tester.publish("test.order-placed", { orderId: "o", seq: 3 });

    await vi.waitFor(() => {
      expect(seen.beginning).toEqual([1, 2, 3]);
      expect(seen.new).toEqual([3]);
    });
    // the second entry may share its millisecond with the first: replay from a time starts at that millisecond
    expect(seen.time?.slice(-2)).toEqual([2, 3]);
  });

  it("acknowledges an entry only after its handler succeeded", async () => {
    const release = gate();
    const started = gate();
    const worker = testbed.bus("worker");
    worker.subscribe("test.order-placed", async () => {
      started.open();
      await release.promise;
    });
    await worker.start();
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await started.promise;

    const pending = async () => (await worker.admin.groups("test.order-placed"))[0]?.pending;
    expect(await pending()).toBe(1);
    release.open();
    await vi.waitFor(async () => expect(await pending()).toBe(0));
  });

  it("uses a client from another copy of ioredis (recognised by its shape), not localhost", async () => {
    const own = testbed.redis().client();
    // What `instanceof` sees of a client built by a second copy of the ioredis package.
    const foreign = new Proxy(own, { getPrototypeOf: () => Object.prototype });
    expect(foreign instanceof Redis).toBe(false);
    const bus = testbed.bus("tester", { redis: foreign as Redis });
    const envelope = await bus.publish("test.order-placed", { orderId: "o-1", seq: 1 });
    const rows = await own.xrange(streamKey("test.order-placed", 0), "-", "+");
    expect(rows.map(([, fields]) => fields[fields.indexOf("id") + 1])).toEqual([envelope.id]);
    await bus.close();
    own.disconnect();
  });

  it("reads with a blocking XREADGROUP on a connection of its own", async () => {
    const worker = testbed.bus("worker");
    worker.subscribe("test.order-placed", () => {});
    await worker.start();
    const client = testbed.redis().client();
    await vi.waitFor(async () => {
      const list = String(await client.client("LIST"));
      const reader = list
        .split("\n")
        .find((line) => line.includes(`name=${worker.consumerName}:read`));
      expect(reader).toMatch(/cmd=xreadgroup/);
    });
    client.disconnect();
  });
});
