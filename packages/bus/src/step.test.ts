import { useRedis } from "@retail/testing";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { metricValue, useBusTestbed } from "../test/fixtures.js";
import { fieldMap } from "./envelope.js";
import { NotPublisherError, PayloadValidationError, StepError } from "./errors.js";
import { processedKey, streamKey } from "./keys.js";
import { defineScript } from "./service-script.js";

const RESERVE_OR_REJECT = defineScript<{ outcome: "reserved" | "rejected" }>(
  new URL("../test/scripts/reserve-or-reject.lua", import.meta.url),
);
const FILL = defineScript<{ outcome: "emitted" | "left" }>(
  new URL("../test/scripts/fill.lua", import.meta.url),
);

/** An order short of one line, as a script would refuse it. */
const SHORT_ORDER = {
  orderId: "o",
  reason: "out_of_stock" as const,
  lines: [{ sku: "a", requested: 2, available: 0 }],
};

describe("bus.commit", () => {
  const testbed = useBusTestbed(useRedis());

  /** The payloads in the topic's stream once the tester's outbox is relayed. */
  async function payloadsOf(topic: string): Promise<string[]> {
    await testbed.relayed("tester");
    const client = testbed.redis().client();
    try {
      const entries = await client.xrange(streamKey(topic, 0), "-", "+");
      return entries.map(([, fields]) => fieldMap(fields).payload ?? "");
    } finally {
      client.disconnect();
    }
  }

  it("appends only the events the script emitted, with its writes, and counts only those", async () => {
    const tester = testbed.bus("tester", { metrics: new Registry() });
    const client = testbed.redis().client();
    await client.set("{tester}:stock", "1");
    const attempt = (seq: number) =>
      tester.commit(RESERVE_OR_REJECT, (step) => ({
        stock: step.key("{tester}:stock"),
        reserved: step.event("test.order-placed", { orderId: `o-${seq}`, seq }),
        rejected: step.event("test.order-placed", { orderId: `o-${seq}`, seq, note: "none left" }),
      }));
    expect(await attempt(1)).toEqual({ outcome: "reserved" });
    expect(await attempt(2)).toEqual({ outcome: "rejected" });
    expect(await client.get("{tester}:stock")).toBe("0");
    client.disconnect();
    expect((await payloadsOf("test.order-placed")).map((payload) => JSON.parse(payload))).toEqual([
      { orderId: "o-1", seq: 1 },
      { orderId: "o-2", seq: 2, note: "none left" },
    ]);
    expect(
      await metricValue(tester.metricsRegistry, "bus_events_published_total", {
        topic: "test.order-placed",
      }),
    ).toBe(2);
  });

  it("fills declared counts and choices into the payload, leaving the rest as validated", async () => {
    const tester = testbed.bus("tester");
    await tester.commit(FILL, (step) => ({
      event: step.event(
        "test.order-short",
        {
          orderId: "o",
          reason: "out_of_stock",
          lines: [
            { sku: "a", requested: 2, available: 0 },
            { sku: "b", requested: 5, available: 0 },
          ],
        },
        {
          fill: {
            lines: { rows: ["available"] },
            reason: { oneOf: ["out_of_stock", "discontinued"] },
          },
        },
      ),
      fill: { lines: [{ sku: "b", requested: 5, available: 3 }], reason: "discontinued" },
    }));
    const [payload] = await payloadsOf("test.order-short");
    expect(JSON.parse(payload ?? "")).toEqual({
      orderId: "o",
      reason: "discontinued",
      lines: [{ sku: "b", requested: 5, available: 3 }],
    });
  });

  it("appends the prepared values of fillable fields the script leaves alone", async () => {
    const tester = testbed.bus("tester");
    await tester.commit(FILL, (step) => ({
      event: step.event("test.order-placed", { orderId: "o", seq: 4 }, { fill: { seq: "count" } }),
    }));
    expect((await payloadsOf("test.order-placed")).map((payload) => JSON.parse(payload))).toEqual([
      { orderId: "o", seq: 4 },
    ]);
  });

  it.each([
    ["an undeclared field", { note: "x" }],
    ["a negative count", { seq: -1 }],
    ["a fractional count", { seq: 1.5 }],
    ["a string for a count", { seq: "3" }],
  ])("refuses a fill of %s and appends nothing", async (_, fill) => {
    const tester = testbed.bus("tester");
    await expect(
      tester.commit(FILL, (step) => ({
        event: step.event(
          "test.order-placed",
          { orderId: "o", seq: 1 },
          { fill: { seq: "count" } },
        ),
        fill,
      })),
    ).rejects.toThrow(/fill of test\.order-placed\.\w+ refused/);
    expect(await payloadsOf("test.order-placed")).toEqual([]);
  });

  it.each([
    ["a value not in the list", { reason: "lost" }],
    ["a row that was not prepared", { lines: [{ sku: "z", requested: 2, available: 1 }] }],
    [
      "a row with a changed field that is not a count",
      { lines: [{ sku: "a", requested: 9, available: 1 }] },
    ],
    ["no rows at all", { lines: [] }],
  ])("refuses %s", async (_, fill) => {
    const tester = testbed.bus("tester");
    await expect(
      tester.commit(FILL, (step) => ({
        event: step.event("test.order-short", SHORT_ORDER, {
          fill: { lines: { rows: ["available"] }, reason: { oneOf: ["out_of_stock"] } },
        }),
        fill,
      })),
    ).rejects.toThrow(/refused/);
    expect(await payloadsOf("test.order-short")).toEqual([]);
  });

  it("refuses, before Redis, fills the topic's schema would not accept or that would move the partition key", async () => {
    const tester = testbed.bus("tester");
    await expect(
      tester.commit(FILL, (step) => ({
        event: step.event(
          "test.order-short",
          SHORT_ORDER,
          // "lost" is not a reason the contract knows
          { fill: { reason: { oneOf: ["out_of_stock", "lost"] } } },
        ),
      })),
    ).rejects.toBeInstanceOf(PayloadValidationError);
    await expect(
      tester.commit(FILL, (step) => ({
        // "requested" is positive in the contract: a count filled in as 0 would break it
        event: step.event("test.order-short", SHORT_ORDER, {
          fill: { lines: { rows: ["requested"] } },
        }),
      })),
    ).rejects.toBeInstanceOf(PayloadValidationError);
    await expect(
      tester.commit(FILL, (step) => ({
        event: step.event(
          "test.order-placed",
          { orderId: "o", seq: 1 },
          { fill: { orderId: "count" } },
        ),
      })),
    ).rejects.toBeInstanceOf(StepError);
    await expect(
      tester.commit(FILL, (step) => ({
        event: step.event("test.order-handled", { orderId: "o", seq: 1 }),
      })),
    ).rejects.toBeInstanceOf(NotPublisherError);
    expect(await payloadsOf("test.order-placed")).toEqual([]);
  });

  it("runs a step for a handled event once: a second run answers duplicate and writes nothing", async () => {
    const worker = testbed.bus("worker");
    const outcomes: unknown[] = [];
    worker.subscribe(
      "test.order-placed",
      async (_event, context) => {
        const effects = { calls: [["INCR", "{worker}:runs"]] as ["INCR", string][] };
        outcomes.push((await apply(worker, effects, context)).reply.outcome);
        outcomes.push((await apply(worker, effects, context)).reply.outcome);
      },
      { idempotency: false },
    );
    await worker.start();
    const placed = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(() => expect(outcomes).toEqual(["applied", "duplicate"]));
    const client = testbed.redis().client();
    expect(await client.get("{worker}:runs")).toBe("1");
    expect(await client.zscore(processedKey("worker"), placed.id)).not.toBeNull();
    client.disconnect();
  });

  it("leaves a handled event unmarked when the script says so, for the caller to decide again", async () => {
    const worker = testbed.bus("worker");
    const outcomes: unknown[] = [];
    worker.subscribe(
      "test.order-placed",
      async (_, context) => {
        outcomes.push(
          await worker.commit(FILL, () => ({ unhandled: true }), { cause: context }),
          await worker.commit(FILL, () => ({ unhandled: true }), { cause: context }),
        );
      },
      { idempotency: false },
    );
    await worker.start();
    const placed = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(() => expect(outcomes).toEqual([{ outcome: "left" }, { outcome: "left" }]));
    const client = testbed.redis().client();
    expect(await client.zscore(processedKey("worker"), placed.id)).toBeNull();
    client.disconnect();
  });

  it("refuses a cause that is not a handler's context", async () => {
    const worker = testbed.bus("worker");
    const forged = { logger: worker.logger, attempt: 1, signal: new AbortController().signal };
    await expect(
      worker.commit(FILL, () => ({ unhandled: true }), { cause: forged }),
    ).rejects.toBeInstanceOf(StepError);
  });
});
