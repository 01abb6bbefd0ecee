import { Writable } from "node:stream";
import { useRedis } from "@retail/testing";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { gate, useBusTestbed, metricValue as value } from "../test/fixtures.js";
import { NonRetryableError } from "./errors.js";

describe("observability", () => {
  const testbed = useBusTestbed(useRedis());

  it("counts published, handled, failed, retried and dead-lettered events, and handler durations", async () => {
    const registry = new Registry();
    const worker = testbed.bus("worker", { metrics: registry });
    const tester = testbed.bus("tester", { metrics: new Registry() });
    let firstTry = true;
    worker.subscribe(
      "test.order-placed",
      (event) => {
        if (event.payload.seq === 3) throw new NonRetryableError("never");
        if (event.payload.seq === 2 && firstTry) {
          firstTry = false;
          throw new Error("once");
        }
      },
      { retry: { initialDelayMs: 5, maxDelayMs: 10 } },
    );
    await worker.start();
    for (let seq = 1; seq <= 3; seq += 1)
      await tester.publish("test.order-placed", { orderId: `o-${seq}`, seq });

    await vi.waitFor(async () =>
      expect(await value(registry, "bus_events_dead_lettered_total")).toBe(1),
    );
    await vi.waitFor(async () => expect(await value(registry, "bus_events_handled_total")).toBe(2));
    const labels = { topic: "test.order-placed", group: "worker" };
    expect(
      await value(tester.metricsRegistry, "bus_events_published_total", {
        topic: "test.order-placed",
      }),
    ).toBe(3);
    expect(await value(registry, "bus_handler_failures_total", labels)).toBe(2);
    expect(await value(registry, "bus_events_retried_total", labels)).toBe(1);
    expect(
      await value(registry, "bus_events_dead_lettered_total", {
        ...labels,
        reason: "non_retryable",
      }),
    ).toBe(1);
    expect(await value(registry, "bus_handler_duration_seconds", labels)).toBe(4);
  });

  it("reports pending and lag per group when scraped", async () => {
    const registry = new Registry();
    const release = gate();
    const worker = testbed.bus("worker", { metrics: registry });
    worker.subscribe("test.order-placed", () => release.promise, { concurrency: 2 });
    await worker.start();
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < 5; seq += 1)
      await tester.publish("test.order-placed", { orderId: `o-${seq}`, seq });

    await vi.waitFor(async () => expect(await value(registry, "bus_group_pending")).toBe(2));
    expect(
      await value(registry, "bus_group_lag", { topic: "test.order-placed", group: "worker" }),
    ).toBe(3);
    release.open();
    await vi.waitFor(async () => expect(await value(registry, "bus_group_pending")).toBe(0));
    expect(await value(registry, "bus_group_lag")).toBe(0);
  });

  it("reports parked entries and dead letters per group when scraped, and counts parkings", async () => {
    const registry = new Registry();
    const worker = testbed.bus("worker", { metrics: registry });
    worker.subscribe(
      "test.order-placed",
      (event) => {
        if (event.payload.seq === 1) throw new NonRetryableError("never");
        throw new Error("down for a minute");
      },
      { retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 } },
    );
    await worker.start();
    const tester = testbed.bus("tester");
    for (let seq = 1; seq <= 2; seq += 1)
      await tester.publish("test.order-placed", { orderId: `o-${seq}`, seq });
    const labels = { topic: "test.order-placed", group: "worker" };
    await vi.waitFor(async () => {
      expect(await value(registry, "bus_group_dead_letters", labels)).toBe(1);
      expect(await value(registry, "bus_group_parked", labels)).toBe(1);
    });
    expect(await value(registry, "bus_events_parked_total", { ...labels, reason: "retry" })).toBe(
      1,
    );
  });

  it("carries the correlation id into every handler log line", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const worker = testbed.bus("worker", { logger: pino({ level: "info" }, sink) });
    worker.subscribe("test.order-placed", (_event, context) =>
      context.logger.info("reserving stock"),
    );
    await worker.start();
    const event = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 }, { correlationId: "flow-42" });

    await vi.waitFor(() => expect(lines.some((line) => line.msg === "reserving stock")).toBe(true));
    expect(lines.find((line) => line.msg === "reserving stock")).toMatchObject({
      correlationId: "flow-42",
      eventId: event.id,
      topic: "test.order-placed",
      group: "worker",
    });
  });

  it("keeps one trace across hops: an event published by a handler continues its cause's trace", async () => {
    const worker = testbed.bus("worker");
    worker.subscribe("test.order-placed", async (event, context) => {
      await apply(worker, { events: [["test.order-handled", event.payload]] }, context);
    });
    const tester = testbed.bus("tester");
    const caused: string[] = [];
    tester.subscribe("test.order-handled", (event) => void caused.push(event.traceparent));
    await Promise.all([worker.start(), tester.start()]);

    const placed = await tester.publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(() => expect(caused).toHaveLength(1));
    const [, traceId, spanId] = placed.traceparent.split("-");
    const [, childTraceId, childSpanId] = (caused[0] as string).split("-");
    expect(childTraceId).toBe(traceId);
    expect(childSpanId).not.toBe(spanId);
  });
});
