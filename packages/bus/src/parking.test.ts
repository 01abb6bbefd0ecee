import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import { NonRetryableError } from "./errors.js";
import { streamKey } from "./keys.js";

describe("retries parked in Redis", () => {
  const testbed = useBusTestbed(useRedis());

  it("retries a failing entry for as long as its time budget lasts, not a fixed count: an outage of many attempts dead-letters nothing", async () => {
    const attempts: number[] = [];
    const worker = await testbed.worker(
      (_event, context) => {
        attempts.push(context.attempt);
        // downstream is down for twelve attempts: more than a count of five would allow
        if (attempts.length <= 12) throw new Error("downstream unavailable");
      },
      { retry: { initialDelayMs: 5, maxDelayMs: 20 } },
    );
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(
      async () => {
        expect(attempts).toHaveLength(13);
        expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0);
      },
      { timeout: 15_000 },
    );
    expect(attempts).toEqual(Array.from({ length: 13 }, (_, index) => index + 1));
    expect(await worker.admin.listDeadLetters("test.order-placed")).toEqual([]);
  });

  it("frees the slot of an entry waiting to retry: other keys go on meanwhile", async () => {
    const handled: string[] = [];
    let failures = 0;
    const worker = await testbed.worker(
      (event) => {
        // the first key fails until the second key has been handled: with one slot that
        // only happens if the waiting entry gave its slot up
        if (event.payload.orderId === "a" && !handled.includes("b")) {
          failures += 1;
          throw new Error("downstream unavailable");
        }
        handled.push(event.payload.orderId);
      },
      { concurrency: 1, retry: { initialDelayMs: 20, maxDelayMs: 50 } },
    );
    const tester = testbed.bus("tester");
    await tester.publish("test.order-placed", { orderId: "a", seq: 1 });
    await tester.publish("test.order-placed", { orderId: "b", seq: 2 });
    await vi.waitFor(() => expect(handled).toEqual(["b", "a"]), { timeout: 10_000 });
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(await worker.admin.listDeadLetters("test.order-placed")).toEqual([]);
  });

  it("keeps a waiting entry's turn: later events of its key wait, then run after it in stream order", async () => {
    const order: number[] = [];
    let failures = 0;
    await testbed.worker(
      (event) => {
        if (event.payload.seq === 1 && failures < 3) {
          failures += 1;
          throw new Error("downstream unavailable");
        }
        order.push(event.payload.seq);
      },
      { concurrency: 4, retry: { initialDelayMs: 20, maxDelayMs: 50 } },
    );
    const tester = testbed.bus("tester");
    for (const [orderId, seq] of [
      ["k", 1],
      ["k", 2],
      ["other", 3],
      ["k", 4],
    ] as const)
      await tester.publish("test.order-placed", { orderId, seq });
    await vi.waitFor(() => expect(order).toHaveLength(4), { timeout: 10_000 });
    expect(order.filter((seq) => seq !== 3)).toEqual([1, 2, 4]);
    // the other key did not wait for the retries
    expect(order.indexOf(3)).toBeLessThan(order.indexOf(1));
  });

  it("dead-letters an entry once its retry budget is spent", async () => {
    let calls = 0;
    const worker = await testbed.worker(
      () => {
        calls += 1;
        throw new Error(`still down ${calls}`);
      },
      { retry: { initialDelayMs: 20, maxDelayMs: 50, budgetMs: 300 } },
    );
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(
      async () => expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
      { timeout: 10_000 },
    );
    const [letter] = await worker.admin.listDeadLetters("test.order-placed");
    expect(letter).toMatchObject({ reason: "retry_budget", attempts: calls });
    expect(letter?.error).toBe(`still down ${calls}`);
    expect(calls).toBeGreaterThan(1);
    expect(
      Date.parse(letter?.lastFailedAt ?? "") - Date.parse(letter?.firstFailedAt ?? ""),
    ).toBeGreaterThanOrEqual(300);
  });

  it("dead-letters an entry whose stream entry was trimmed while it waited to retry, from the fields it kept", async () => {
    const worker = testbed.bus("worker");
    const retried = gate();
    let failed = false;
    worker.subscribe(
      "test.capped",
      (event) => {
        if (event.payload.seq === 0 && !failed) {
          failed = true;
          throw new Error("downstream unavailable");
        }
        if (event.payload.seq === 0) retried.open();
      },
      { concurrency: 4, retry: { initialDelayMs: 1_500, maxDelayMs: 1_500 } },
    );
    await worker.start();
    const tester = testbed.bus("tester");
    const first = await tester.publish("test.capped", { orderId: "o-0", seq: 0 });
    await vi.waitFor(() => expect(failed).toBe(true));
    // the topic keeps about ten entries: these push the waiting one out
    for (let seq = 1; seq <= 300; seq += 1)
      await tester.publish("test.capped", { orderId: `o-${seq}`, seq });
    const client = testbed.redis().client();
    const left = await client.xrange(streamKey("test.capped", 0), "-", "+");
    expect(left.some(([, fields]) => fields.includes(first.id))).toBe(false);
    client.disconnect();

    await vi.waitFor(
      async () => expect(await worker.admin.listDeadLetters("test.capped")).toHaveLength(1),
      { timeout: 10_000 },
    );
    const [letter] = await worker.admin.listDeadLetters("test.capped");
    expect(letter).toMatchObject({ reason: "trimmed", attempts: 1 });
    expect(letter?.fields.id).toBe(first.id);
    expect(JSON.parse(letter?.fields.payload ?? "")).toEqual({ orderId: "o-0", seq: 0 });
    await vi.waitFor(async () =>
      expect((await worker.admin.groups("test.capped"))[0]?.pending).toBe(0),
    );
  });

  it("hands the entries it has not started to another consumer at shutdown, taken at its next look and as their first delivery", async () => {
    const leaving = testbed.bus("worker", { shutdownTimeoutMs: 5_000 });
    const release = gate();
    const started = gate();
    leaving.subscribe(
      "test.order-placed",
      async () => {
        started.open();
        await release.promise;
      },
      // reclaiming by idle time would take a minute: only a handover is this fast
      { concurrency: 4, claimIdleMs: 60_000 },
    );
    await leaving.start();
    const tester = testbed.bus("tester");
    for (let seq = 1; seq <= 3; seq += 1)
      await tester.publish("test.order-placed", { orderId: "same-key", seq });
    await started.promise;

    const heir = testbed.bus("worker");
    const attempts: [number, number][] = [];
    heir.subscribe(
      "test.order-placed",
      (event, context) => void attempts.push([event.payload.seq, context.attempt]),
      { claimIdleMs: 60_000, reclaimIntervalMs: 100 },
    );
    await heir.start();
    const closing = leaving.close();
    release.open();
    await closing;
    // the heir's looks come every 100 ms, but a loaded machine (the whole suite on two
    // cores) can take seconds to run them: wait for the outcome, not for a time
    await vi.waitFor(
      () =>
        expect(attempts).toEqual([
          [2, 1],
          [3, 1],
        ]),
      { timeout: 10_000 },
    );
  });

  it("does not retry an entry whose handler says retrying cannot help", async () => {
    let calls = 0;
    const worker = await testbed.worker(
      () => {
        calls += 1;
        throw new NonRetryableError("cannot be served");
      },
      { retry: { initialDelayMs: 5, maxDelayMs: 5 } },
    );
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    expect(calls).toBe(1);
  });
});
