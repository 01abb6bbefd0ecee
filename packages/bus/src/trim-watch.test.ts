import { Writable } from "node:stream";
import { useRedis } from "@retail/testing";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { gate, metricValue, useBusTestbed } from "../test/fixtures.js";

describe("entries trimmed before the group read them", () => {
  const testbed = useBusTestbed(useRedis());

  it("are counted once per group, in a metric, a warning and the group's stats", async () => {
    const registry = new Registry();
    const lines: { msg: string; lost?: number }[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    // two consumers of one group: the loss is still counted once
    const consumers = [
      testbed.bus("worker", { metrics: registry, logger }),
      testbed.bus("worker", { metrics: registry, logger }),
    ];
    const mayGoOn = gate();
    const handled: number[] = [];
    for (const consumer of consumers) {
      consumer.subscribe(
        "test.capped",
        async (event) => {
          await mayGoOn.promise;
          handled.push(event.payload.seq);
        },
        // the group lags: at most two entries held at once over both consumers
        { concurrency: 1, reclaimIntervalMs: 50 },
      );
      await consumer.start();
    }
    const tester = testbed.bus("tester");
    for (let seq = 0; seq < 500; seq += 1)
      await tester.publish("test.capped", { orderId: `o-${seq}`, seq });
    mayGoOn.open();

    const labels = { topic: "test.capped", group: "worker", stage: "unread" };
    await vi.waitFor(
      async () => {
        const [group] = await tester.admin.groups("test.capped");
        expect(group).toMatchObject({ pending: 0, lag: expect.any(Number) });
        const lost = 500 - handled.length;
        expect(lost).toBeGreaterThan(0);
        expect(await metricValue(registry, "bus_events_trimmed_total", labels)).toBe(lost);
        expect(group?.trimmed).toBe(lost);
      },
      { timeout: 15_000 },
    );
    expect(lines.some((line) => /trimmed before/.test(line.msg))).toBe(true);
  });
});
