import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { appendUnvalidated, useBusTestbed } from "../test/fixtures.js";
import type { Envelope } from "./envelope.js";
import { NonRetryableError } from "./errors.js";
import { deadLetterKey, streamKey } from "./keys.js";

const fast = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };

describe("failure handling and dead letters", () => {
  const testbed = useBusTestbed(useRedis());

  it("retries a failing handler with backoff until it succeeds, counting each delivery", async () => {
    const attempts: number[] = [];
    const worker = await testbed.worker((_event, context) => {
      attempts.push(context.attempt);
      if (attempts.length < 3) throw new Error("flaky downstream");
    }, fast);
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    // Pending is 0 before the first delivery too: wait for the third attempt as well.
    await vi.waitFor(async () => {
      expect(attempts).toEqual([1, 2, 3]);
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0);
    });
    expect(await worker.admin.listDeadLetters("test.order-placed")).toEqual([]);
  });

  it("dead-letters after maxDeliveries with the envelope, error, handler, attempts and failure times, then acks", async () => {
    let calls = 0;
    const worker = await testbed.worker(
      () => {
        calls += 1;
        throw new Error(`boom ${calls}`);
      },
      { ...fast, maxDeliveries: 3, name: "reserve-stock" },
    );
    const published = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });

    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    const [letter] = await worker.admin.listDeadLetters("test.order-placed");
    expect(calls).toBe(3);
    expect(letter).toMatchObject({
      topic: "test.order-placed",
      group: "worker",
      reason: "max_deliveries",
      error: "boom 3",
      handler: "reserve-stock",
      attempts: 3,
      sourceStream: streamKey("test.order-placed", 0),
    });
    expect(letter?.fields.id).toBe(published.id);
    expect(JSON.parse(letter?.fields.payload ?? "")).toEqual({ orderId: "o", seq: 1 });
    expect(Date.parse(letter?.lastFailedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(letter?.firstFailedAt ?? ""),
    );
    expect((await worker.admin.groups("test.order-placed"))[0]).toMatchObject({
      pending: 0,
      deadLetters: 1,
    });
  });

  it("dead-letters at once when the handler says retrying cannot help", async () => {
    let calls = 0;
    const worker = await testbed.worker(() => {
      calls += 1;
      throw new NonRetryableError("address cannot be served");
    }, fast);
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    const [letter] = await worker.admin.listDeadLetters("test.order-placed");
    expect(letter).toMatchObject({
      reason: "non_retryable",
      attempts: 1,
      error: "address cannot be served",
    });
    expect(calls).toBe(1);
  });

  it("dead-letters a raw XADD of garbage at once, with the reason, and carries on with the next entry", async () => {
    const worker = testbed.bus("worker");
    const handled: number[] = [];
    worker.subscribe("test.order-placed", (event) => void handled.push(event.payload.seq), fast);
    await worker.start();
    const client = testbed.redis().client();
    await client.xadd(streamKey("test.order-placed", 0), "*", "hello", "world");
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 2 });

    await vi.waitFor(() => expect(handled).toEqual([2]));
    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    const [letter] = await worker.admin.listDeadLetters("test.order-placed");
    expect(letter?.reason).toBe("invalid_envelope");
    expect(letter?.fields).toEqual({ hello: "world" });
    expect(letter?.issues?.map((issue) => issue.path)).toContain("id");
    client.disconnect();
  });

  it("dead-letters a well-formed envelope whose payload breaks the contract, naming the fields", async () => {
    const worker = testbed.bus("worker");
    worker.subscribe("test.order-placed", () => {}, fast);
    await worker.start();
    // a publisher that skipped validation
    await appendUnvalidated(testbed.redis().client(), "test.order-placed", { orderId: 42 });

    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    const [letter] = await worker.admin.listDeadLetters("test.order-placed");
    expect(letter?.reason).toBe("invalid_payload");
    expect(letter?.issues?.map((issue) => issue.path).sort()).toEqual(["orderId", "seq"]);
  });

  it("replays a dead letter to its group only, keeping its event id, and purges", async () => {
    let broken = true;
    const workerSeen: Envelope<{ seq: number }>[] = [];
    const auditorSeen: string[] = [];
    const worker = testbed.bus("worker");
    worker.subscribe(
      "test.order-placed",
      (event) => {
        if (broken) throw new NonRetryableError("bug in the handler");
        workerSeen.push(event);
      },
      fast,
    );
    const auditor = testbed.bus("auditor");
    auditor.subscribe("test.order-placed", (event) => void auditorSeen.push(event.id));
    await Promise.all([worker.start(), auditor.start()]);
    const published = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    await vi.waitFor(() => expect(auditorSeen).toEqual([published.id]));

    broken = false;
    expect(await worker.admin.replayDeadLetters("test.order-placed", { group: "worker" })).toBe(1);
    await vi.waitFor(() => expect(workerSeen.map((event) => event.id)).toEqual([published.id]));
    expect(workerSeen[0]?.payload).toEqual({ orderId: "o", seq: 1 });
    expect(await worker.admin.listDeadLetters("test.order-placed")).toEqual([]);
    // the auditor group saw the replayed entry and skipped it: still exactly one delivery
    await vi.waitFor(async () => {
      const groups = await auditor.admin.groups("test.order-placed");
      expect(groups.find((group) => group.group === "auditor")).toMatchObject({
        pending: 0,
        lag: 0,
      });
    });
    expect(auditorSeen).toEqual([published.id]);

    // purge: dead-letter something new, then delete it for good
    broken = true;
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 2 });
    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    expect(await worker.admin.purgeDeadLetters("test.order-placed", { group: "worker" })).toBe(1);
    const client = testbed.redis().client();
    expect(await client.xlen(deadLetterKey("test.order-placed", 0, "worker"))).toBe(0);
    client.disconnect();
  });

  it("replays every group's dead letter to its own group: a copy skipped by one group leaves no mark there", async () => {
    let broken = true;
    const handled: Record<string, string[]> = { worker: [], auditor: [] };
    for (const group of ["worker", "auditor"]) {
      const bus = testbed.bus(group);
      bus.subscribe(
        "test.order-placed",
        (event) => {
          if (broken) throw new NonRetryableError("downstream refused");
          handled[group]?.push(event.id);
        },
        fast,
      );
      await bus.start();
    }
    const admin = testbed.bus("tester").admin;
    const published = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(async () =>
      expect(await admin.listDeadLetters("test.order-placed")).toHaveLength(2),
    );

    broken = false;
    // `retail dlq replay --all`: both groups' dead letters, so each group sees both copies
    expect(await admin.replayDeadLetters("test.order-placed")).toBe(2);
    await vi.waitFor(() =>
      expect(handled).toEqual({ worker: [published.id], auditor: [published.id] }),
    );
    expect(await admin.listDeadLetters("test.order-placed")).toEqual([]);
  });

  it("keeps every dead letter: a dead-letter stream is never trimmed", async () => {
    const client = testbed.redis().client();
    const deadLetters = deadLetterKey("test.order-placed", 0, "worker");
    // an outage's worth of dead letters already there
    for (let round = 0; round < 105; round += 1) {
      const pipeline = client.pipeline();
      for (let index = 0; index < 100; index += 1)
        pipeline.xadd(deadLetters, "*", "reason", "max_deliveries", "error", "earlier outage");
      await pipeline.exec();
    }
    await testbed.worker(() => {
      throw new NonRetryableError("downstream refused");
    }, fast);
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(async () => expect(await client.xlen(deadLetters)).toBe(10_501));
    client.disconnect();
  });
});
