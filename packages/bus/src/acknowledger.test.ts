import { useRedis } from "@retail/testing";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { gate, metricValue, useBusTestbed } from "../test/fixtures.js";
import { idRange } from "./acknowledger.js";
import { NonRetryableError } from "./errors.js";
import { streamKey } from "./keys.js";

const stream = streamKey("test.order-placed", 0);
/** A consumer whose claims go stale at once: its heartbeat comes only every 20 s. */
const frozen = { claimIdleMs: 60_000, reclaimIntervalMs: 60_000 };
/** A consumer that takes over entries idle for 300 ms. */
const eager = { claimIdleMs: 300, reclaimIntervalMs: 50 };

describe("acknowledgements fenced by ownership", () => {
  const testbed = useBusTestbed(useRedis());

  /** Who holds the entry in the group's pending list, or undefined when nobody does. */
  async function ownerOf(entryId: string): Promise<string | undefined> {
    const client = testbed.redis().client();
    const rows = (await client.xpending(stream, "worker", entryId, entryId, 1)) as [
      string,
      string,
    ][];
    client.disconnect();
    return rows[0]?.[1];
  }

  /**
   * A slow consumer holds an entry past the idle threshold (as a GC pause or a paused VM
   * would make it) and another takes it over; resolves once both handlers are running.
   */
  async function takenOver(slowHandler: () => Promise<void>) {
    const registry = new Registry();
    const slow = testbed.bus("worker", { metrics: registry, consumerName: "slow" });
    const slowStarted = gate();
    slow.subscribe(
      "test.order-placed",
      async () => {
        slowStarted.open();
        await slowHandler();
      },
      frozen,
    );
    await slow.start();
    const published = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o", seq: 1 });
    await slowStarted.promise;

    const heir = testbed.bus("worker", { consumerName: "heir" });
    const heirStarted = gate();
    const heirMayFinish = gate();
    const heirHandled: string[] = [];
    heir.subscribe(
      "test.order-placed",
      async (event) => {
        heirStarted.open();
        await heirMayFinish.promise;
        heirHandled.push(event.id);
      },
      eager,
    );
    await heir.start();
    await heirStarted.promise;
    const client = testbed.redis().client();
    const [entry] = await client.xrange(stream, "-", "+");
    client.disconnect();
    return {
      registry,
      slow,
      heir,
      heirMayFinish,
      heirHandled,
      published,
      entryId: entry?.[0] ?? "",
    };
  }

  it("refuses the ack of a consumer that lost its entry to another, counts it, and leaves the entry with its new owner", async () => {
    const slowMayFinish = gate();
    const { registry, heirMayFinish, heirHandled, published, entryId } = await takenOver(
      () => slowMayFinish.promise,
    );
    slowMayFinish.open();
    await vi.waitFor(async () =>
      expect(await metricValue(registry, "bus_acks_refused_total")).toBe(1),
    );
    expect(await ownerOf(entryId)).toBe("heir");

    heirMayFinish.open();
    await vi.waitFor(async () => expect(await ownerOf(entryId)).toBeUndefined());
    expect(heirHandled).toEqual([published.id]);
  });

  it("refuses the dead-letter move of a consumer that lost its entry: no dead letter for an event another consumer handled", async () => {
    const slowMayFail = gate();
    const { registry, heir, heirMayFinish, heirHandled, published, entryId } = await takenOver(
      async () => {
        await slowMayFail.promise;
        throw new NonRetryableError("the slow consumer gave up");
      },
    );
    slowMayFail.open();
    await vi.waitFor(async () =>
      expect(await metricValue(registry, "bus_acks_refused_total")).toBe(1),
    );
    expect(await heir.admin.listDeadLetters("test.order-placed")).toEqual([]);
    expect(await ownerOf(entryId)).toBe("heir");

    heirMayFinish.open();
    await vi.waitFor(async () => expect(await ownerOf(entryId)).toBeUndefined());
    expect(heirHandled).toEqual([published.id]);
    expect(await heir.admin.listDeadLetters("test.order-placed")).toEqual([]);
  });
});

describe("the id range of a batch of acks", () => {
  it("is its smallest and largest entry id, in stream order rather than text order", () => {
    expect(idRange(["5-3", "5-10", "4-99", "5-9"])).toEqual(["4-99", "5-10"]);
    expect(idRange(["1796288586075-0"])).toEqual(["1796288586075-0", "1796288586075-0"]);
  });
});
