import { useRedis } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { useBusTestbed } from "../test/fixtures.js";

describe("running a handler", () => {
  const testbed = useBusTestbed(useRedis());

  it("gives up on a handler that hangs past its timeout: the signal aborts, the attempt counts as failed, and its key goes on after the retry", async () => {
    const worker = testbed.bus("worker");
    const runs: [seq: number, attempt: number][] = [];
    let abortedWith: unknown;
    worker.subscribe(
      "test.order-placed",
      async (event, context) => {
        runs.push([event.payload.seq, context.attempt]);
        if (event.payload.seq === 1 && context.attempt === 1) {
          context.signal.addEventListener("abort", () => {
            abortedWith = context.signal.reason;
          });
          await new Promise(() => {}); // hangs, and never looks at its signal again
        }
      },
      { handlerTimeoutMs: 300, retry: { initialDelayMs: 5, maxDelayMs: 10 } },
    );
    await worker.start();
    const tester = testbed.bus("tester");
    await tester.publish("test.order-placed", { orderId: "same-key", seq: 1 });
    await tester.publish("test.order-placed", { orderId: "same-key", seq: 2 });

    await vi.waitFor(
      async () => {
        expect(runs).toEqual([
          [1, 1],
          [1, 2],
          [2, 1],
        ]);
        expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0);
      },
      { timeout: 10_000 },
    );
    expect(abortedWith).toMatchObject({ code: "BUS_ERR_HANDLER_TIMEOUT" });
  });

  it("refuses the writes of an attempt that timed out, so a late handler cannot commit over its retry", async () => {
    const worker = testbed.bus("worker");
    const late: unknown[] = [];
    let release: () => void = () => {};
    let retried = false;
    worker.subscribe(
      "test.order-placed",
      async (event, context) => {
        if (context.attempt === 1) {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          late.push(
            await apply(
              worker,
              { calls: [["HINCRBY", "{worker}:effects", event.id, 1]] },
              context,
            ).catch((error: unknown) => error),
          );
          return;
        }
        await apply(worker, { calls: [["HINCRBY", "{worker}:effects", event.id, 1]] }, context);
        retried = true;
      },
      { handlerTimeoutMs: 200, retry: { initialDelayMs: 5, maxDelayMs: 10 } },
    );
    await worker.start();
    const event = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });
    // nothing is pending before the entry is read either: wait for the retry first
    await vi.waitFor(async () => {
      expect(retried).toBe(true);
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0);
    });
    release();
    await vi.waitFor(() => expect(late).toHaveLength(1));
    expect(late[0]).toMatchObject({ code: "BUS_ERR_HANDLER_TIMEOUT" });
    const client = testbed.redis().client();
    expect(await client.hget("{worker}:effects", event.id)).toBe("1");
    client.disconnect();
  });

  it("fails an attempt whose handler rejects with no reason, and says so in the dead letter", async () => {
    const worker = testbed.bus("worker");
    worker.subscribe("test.order-placed", () => Promise.reject(undefined), {
      retry: { budgetMs: 0 },
    });
    await worker.start();
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });

    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toEqual([
        expect.objectContaining({
          reason: "retry_budget",
          error: 'handler "worker:test.order-placed" rejected without a reason',
        }),
      ]),
    );
  });
});
