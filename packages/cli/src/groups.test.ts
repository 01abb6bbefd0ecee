import type { GroupStats } from "@retail/bus";
import { examplePayloads } from "@retail/contracts";
import { useRedisServer } from "@retail/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { linesOf, retail, useBuses } from "../test/helpers.js";

describe("retail groups", () => {
  const redis = useRedisServer();
  const bus = useBuses(() => redis().url);
  beforeEach(async () => {
    await redis().flushAll();
  });

  /** A shipping consumer that holds the first order it gets until released, with more waiting. */
  async function busyShipping(): Promise<{ consumer: string; release: () => void }> {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const shipping = bus("shipping");
    // Every order on one partition: one slot, so one entry is pending and the rest lag.
    shipping.subscribe("order.placed", () => held, { concurrency: 1 });
    await shipping.start();
    const inventory = bus("inventory");
    for (let index = 0; index < 3; index += 1) {
      await inventory.publish("order.placed", examplePayloads["order.placed"]);
    }
    return { consumer: shipping.consumerName, release };
  }

  it("reports each group's consumers, pending, lag and dead letters as JSON", async () => {
    const { consumer, release } = await busyShipping();
    await vi.waitFor(async () => {
      const run = await retail(["--redis", redis().url, "groups", "order.placed", "--json"]);
      expect(run.code).toBe(0);
      const groups = JSON.parse(run.stdout) as GroupStats[];
      expect(groups).toEqual([
        {
          topic: "order.placed",
          group: "shipping",
          pending: 1,
          parked: 0,
          lag: 2,
          deadLetters: 0,
          trimmed: 0,
          consumers: [{ name: consumer, pending: 1, idleMs: expect.any(Number) }],
        },
      ]);
    });
    release();
  });

  it("prints groups with their consumers beneath, and topics nobody reads", async () => {
    const { consumer, release } = await busyShipping();
    await vi.waitFor(async () => {
      const run = await retail(["--redis", redis().url, "groups"]);
      expect(run.code).toBe(0);
      const lines = linesOf(run.stdout);
      expect(lines[0]).toMatch(
        /^TOPIC\s+GROUP \/ CONSUMER\s+PENDING\s+PARKED\s+LAG\s+DEAD\s+LOST\s+IDLE$/,
      );
      const row = lines.findIndex((line) => line.startsWith("order.placed "));
      expect(lines[row]).toMatch(/^order\.placed\s+shipping\s+1\s+0\s+2\s+0\s+0$/);
      expect(lines[row + 1]).toMatch(new RegExp(`^\\s+${consumer}\\s+1\\s+\\d+(ms|\\.\\d+s)$`));
      expect(lines.find((line) => line.startsWith("stock.low "))).toMatch(/\(no consumer groups\)/);
    });
    release();
  });

  it("refuses an unknown topic", async () => {
    const run = await retail(["--redis", redis().url, "groups", "orders.placed"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown topic "orders.placed"; the topics are: order.placed, ');
  });
});
