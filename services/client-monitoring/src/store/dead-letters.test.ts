import { NonRetryableError } from "@retail/bus";
import { examplePayloads } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { useMonitoring } from "../../test/harness.js";
import type { DeadLetterWatch } from "./dead-letters.js";

const placed = (orderId: string) => ({ ...examplePayloads["order.placed"], orderId });

describe("the dead_letters_growing alert", () => {
  const monitoring = useMonitoring();

  /** The watch of an instance that does not consume: its own Redis client and bus. */
  async function watch(): Promise<DeadLetterWatch> {
    return (await monitoring.instance({}, { start: false })).expose.deadLetters;
  }

  /**
   * Shipping refuses orders `from` to `from + count - 1`; resolves once its group holds
   * `total` dead letters.
   */
  async function deadLetters(count: number, from = 0, total = from + count): Promise<void> {
    const shipping = monitoring.bus("shipping");
    shipping.subscribe("order.placed", () => {
      throw new NonRetryableError("cannot ship");
    });
    await shipping.start();
    const inventory = monitoring.bus("inventory");
    for (let index = from; index < from + count; index += 1)
      await inventory.publish("order.placed", placed(`o-${index}`));
    await vi.waitFor(async () => {
      const groups = await shipping.admin.groups("order.placed");
      expect(groups.find(({ group }) => group === "shipping")?.deadLetters).toBe(total);
    });
    await shipping.close();
  }

  it("is raised once per increase however many instances check at the same time", async () => {
    await deadLetters(2);
    const watches = await Promise.all([watch(), watch(), watch()]);
    const raised = await Promise.all(watches.flatMap((each) => [each.check(), each.check()]));
    expect(raised.reduce((sum, count) => sum + count, 0)).toBe(1);
    const alerts = await monitoring.events("alert.raised");
    expect(alerts.map((event) => event.payload)).toEqual([
      expect.objectContaining({
        kind: "dead_letters_growing",
        subject: "order.placed",
        message: "Dead letters of order.placed in group shipping grew from 0 to 2",
      }),
    ]);
    // nothing new: nothing raised
    expect(await watches[0]?.check()).toBe(0);

    await deadLetters(1, 2);
    const again = await Promise.all(watches.map((each) => each.check()));
    expect(again.reduce((sum, count) => sum + count, 0)).toBe(1);
    expect((await monitoring.events("alert.raised")).at(-1)?.payload).toMatchObject({
      message: "Dead letters of order.placed in group shipping grew from 2 to 3",
    });
  });

  it("follows the count down after dead letters are purged, and raises again when it grows", async () => {
    await deadLetters(2);
    const first = await watch();
    expect(await first.check()).toBe(1);
    const shipping = monitoring.bus("shipping");
    expect(await shipping.admin.purgeDeadLetters("order.placed", { group: "shipping" })).toBe(2);
    expect(await first.check()).toBe(0);
    await deadLetters(1, 2, 1);
    expect(await first.check()).toBe(1);
    expect((await monitoring.events("alert.raised")).at(-1)?.payload).toMatchObject({
      message: "Dead letters of order.placed in group shipping grew from 0 to 1",
    });
  });

  it("is raised by the service's periodic check and listed by GET /alerts", async () => {
    const { app } = await monitoring.instance({ DEAD_LETTER_CHECK_INTERVAL_MS: "20" });
    await monitoring.instance({ DEAD_LETTER_CHECK_INTERVAL_MS: "20" });
    await deadLetters(1);
    await vi.waitFor(async () => {
      const alerts = (await app.inject({ method: "GET", url: "/alerts?limit=10" })).json();
      expect(alerts).toEqual([
        expect.objectContaining({
          kind: "dead_letters_growing",
          severity: "critical",
          subject: "order.placed",
          alertId: expect.any(String),
          raisedAt: expect.any(String),
        }),
      ]);
    });
  });

  it("raises events_lost_to_trimming once when a group loses events it never read to trimming", async () => {
    // shipping lags: one slot, held by its first order, while the stream keeps ~10 entries
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const shipping = monitoring.bus("shipping");
    shipping.subscribe("order.placed", () => held, { concurrency: 1, reclaimIntervalMs: 50 });
    await shipping.start();
    const inventory = monitoring.bus("inventory", { retention: { maxLength: 10 } });
    for (let index = 0; index < 300; index += 1)
      await inventory.publish("order.placed", placed(`o-${index}`));
    release();
    // once the group has caught up, its loss is counted in full
    await vi.waitFor(
      async () => {
        const groups = await shipping.admin.groups("order.placed");
        expect(groups.find(({ group }) => group === "shipping")).toMatchObject({
          pending: 0,
          lag: 0,
          trimmed: expect.any(Number),
        });
      },
      { timeout: 10_000 },
    );
    const [stats] = (await shipping.admin.groups("order.placed")).filter(
      ({ group }) => group === "shipping",
    );
    expect(stats?.trimmed).toBeGreaterThan(0);
    const watches = await Promise.all([watch(), watch()]);
    const raised = await Promise.all(watches.map((each) => each.check()));
    expect(raised.reduce((sum, count) => sum + count, 0)).toBe(1);
    const alerts = await monitoring.events("alert.raised");
    expect(alerts.map((event) => event.payload)).toEqual([
      expect.objectContaining({
        kind: "events_lost_to_trimming",
        severity: "critical",
        subject: "order.placed",
        message: expect.stringMatching(
          /^\d+ events of order.placed were trimmed before group shipping handled them/,
        ),
      }),
    ]);
    expect(await watches[0]?.check()).toBe(0);
  });
});
