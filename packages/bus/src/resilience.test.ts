import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { useBusTestbed } from "../test/fixtures.js";
import { PublishTimeoutError } from "./errors.js";
import { streamKey } from "./keys.js";

const quickReclaim = { claimIdleMs: 500, reclaimIntervalMs: 100 };

describe("Redis restarted with AOF on", () => {
  const testbed = useBusTestbed({ persistence: "aof" });

  it("loses no acknowledged publish, and the consumer resumes where it was", async () => {
    const handled = new Set<number>();
    await testbed.worker((event) => void handled.add(event.payload.seq), quickReclaim);
    const tester = testbed.bus("tester", { publishTimeoutMs: 30_000 });

    for (let seq = 0; seq < 50; seq += 1)
      await tester.publish("test.order-placed", { orderId: `o-${seq}`, seq });
    // acknowledged, then the server is killed before the consumer may have read them
    await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        tester.publish("test.order-placed", { orderId: `o-${50 + index}`, seq: 50 + index }),
      ),
    );
    await testbed.redis().restart("kill");
    for (let seq = 100; seq < 150; seq += 1)
      await tester.publish("test.order-placed", { orderId: `o-${seq}`, seq });

    await vi.waitFor(() => expect(handled.size).toBe(150), { timeout: 30_000 });
    const client = testbed.redis().client();
    expect(await client.xlen(streamKey("test.order-placed", 0))).toBe(150);
    client.disconnect();
  });

  it("relays commits again after Redis was killed under the relay's blocked read", async () => {
    const tester = testbed.bus("tester", { publishTimeoutMs: 30_000 });
    const handled = new Set<number>();
    await testbed.worker((event) => void handled.add(event.payload.seq), quickReclaim);
    await apply(tester, { events: [["test.order-placed", { orderId: "o", seq: 0 }]] });
    await testbed.relayed("tester");
    // The relay now waits on XREAD BLOCK: that read's reply is lost with the server.
    await testbed.redis().restart("kill");
    await apply(tester, { events: [["test.order-placed", { orderId: "o", seq: 1 }]] });
    await testbed.relayed("tester");
    await vi.waitFor(() => expect([...handled].sort()).toEqual([0, 1]), { timeout: 30_000 });
  });

  it("finishes a publish made while Redis is down once it is back, within the timeout", async () => {
    const tester = testbed.bus("tester", { publishTimeoutMs: 30_000 });
    await tester.publish("test.order-placed", { orderId: "o", seq: 0 });
    await testbed.redis().stop("kill");
    const during = tester.publish("test.order-placed", { orderId: "o", seq: 1 });
    await testbed.redis().start();
    await expect(during).resolves.toMatchObject({ payload: { orderId: "o", seq: 1 } });
  });

  it("rejects a publish Redis does not confirm in time with a typed error; retrying with its id has one effect", async () => {
    const worker = testbed.bus("worker");
    const handled: string[] = [];
    worker.subscribe("test.order-placed", (event) => void handled.push(event.id), quickReclaim);
    await worker.start();
    const tester = testbed.bus("tester", { publishTimeoutMs: 300 });
    await testbed.redis().stop("kill");

    const error = await tester
      .publish("test.order-placed", { orderId: "o", seq: 1 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishTimeoutError);
    const { eventId, code } = error as PublishTimeoutError;
    expect(code).toBe("BUS_ERR_PUBLISH_TIMEOUT");

    await testbed.redis().start();
    // in doubt: the first attempt may still be appended after the reconnect. The caller
    // retries (here from a fresh process, whose connection is not backing off) with its id.
    const retrying = testbed.bus("tester");
    await retrying.publish("test.order-placed", { orderId: "o", seq: 1 }, { eventId });
    await retrying.publish("test.order-placed", { orderId: "o", seq: 2 });
    await vi.waitFor(() => expect(handled).toHaveLength(2), { timeout: 15_000 });
    await vi.waitFor(async () =>
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
    );
    expect(handled.filter((id) => id === eventId)).toHaveLength(1);
  });
});

describe("connections cut by Redis", () => {
  const testbed = useBusTestbed();

  it("reads its own history after a failed read: an entry delivered while the reply was lost runs at once, before newer ones of its key", async () => {
    const client = testbed.redis().client();
    const stream = streamKey("test.order-placed", 0);
    await client.xgroup("CREATE", stream, "worker", "$", "MKSTREAM");
    const tester = testbed.bus("tester");
    await tester.publish("test.order-placed", { orderId: "k", seq: 1 });
    // Redis delivered it to the consumer, whose reply never arrived
    await client.xreadgroup("GROUP", "worker", "w-1", "COUNT", 1, "STREAMS", stream, ">");

    const worker = testbed.bus("worker", { consumerName: "w-1" });
    const handled: number[] = [];
    // reclaiming by idle time would take a minute
    worker.subscribe("test.order-placed", (event) => void handled.push(event.payload.seq), {
      claimIdleMs: 60_000,
    });
    await worker.start();
    await testbed.redis().killClients("normal");
    await vi.waitFor(() => expect(handled).toEqual([1]), { timeout: 10_000 });
    await tester.publish("test.order-placed", { orderId: "k", seq: 2 });
    await vi.waitFor(() => expect(handled).toEqual([1, 2]), { timeout: 10_000 });
    client.disconnect();
  });
});

describe("Redis down at shutdown", () => {
  const testbed = useBusTestbed();

  it("still closes: what needs Redis is given up at the deadline instead of waiting for it", async () => {
    const worker = testbed.bus("worker", { shutdownTimeoutMs: 300 });
    worker.subscribe("test.order-placed", () => {});
    await worker.start();
    await testbed.redis().stop("kill");
    try {
      await expect(worker.close()).resolves.toBeUndefined();
    } finally {
      await testbed.redis().start();
    }
  });
});

describe("Redis restarted without persistence", () => {
  const testbed = useBusTestbed({ persistence: "none" });

  it("recreates the lost consumer group (NOGROUP) and goes on consuming", async () => {
    const handled: number[] = [];
    await testbed.worker((event) => void handled.push(event.payload.seq), quickReclaim);
    const tester = testbed.bus("tester", { publishTimeoutMs: 30_000 });
    await tester.publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(() => expect(handled).toEqual([1]));

    await testbed.redis().restart("kill");
    const client = testbed.redis().client();

    // the first publish after the restart may land before the group is recreated: the
    // group is recreated from the start of the stream, so it is not missed either
    await tester.publish("test.order-placed", { orderId: "o", seq: 2 });
    await vi.waitFor(() => expect(handled).toEqual([1, 2]), { timeout: 15_000 });
    // the data really was lost: the stream holds only what came after the restart
    const entries = await client.xrange(streamKey("test.order-placed", 0), "-", "+");
    expect(entries).toHaveLength(1);
    const groups = (await client.xinfo("GROUPS", streamKey("test.order-placed", 0))) as unknown[][];
    expect(groups.map((group) => group[1])).toEqual(["worker"]);
    client.disconnect();
  });
});
