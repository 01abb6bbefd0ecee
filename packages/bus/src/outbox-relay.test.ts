import { useRedis } from "@retail/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apply, type EventSpec } from "../test/apply.js";
import { metricValue, type TestCatalog, useBusTestbed } from "../test/fixtures.js";
import { fieldMap } from "./envelope.js";
import { outboxKey, relayLeaseKey, streamKey } from "./keys.js";
import { partitionFor } from "./partitioning.js";
import type { RedisClient } from "./redis.js";

const OUTBOX = outboxKey("tester");
const LEASE = relayLeaseKey("tester");
const WAIT = { timeout: 10_000, interval: 20 };

describe("the outbox relay", () => {
  const testbed = useBusTestbed(useRedis());
  let client: RedisClient;

  beforeEach(() => {
    client = testbed.redis().client();
  });
  afterEach(() => client.disconnect());

  /** The event ids in a partition stream of `test.partitioned`, in stream order. */
  async function idsIn(partition: number): Promise<string[]> {
    const entries = await client.xrange(streamKey("test.partitioned", partition), "-", "+");
    return entries.map(([, fields]) => fieldMap(fields).id ?? "");
  }

  const order = (seq: number): EventSpec<TestCatalog> => [
    "test.partitioned",
    { orderId: `order-${seq % 5}`, seq },
  ];

  it("moves committed events to their partition streams in commit order, keeping their ids, and empties the outbox", async () => {
    const tester = testbed.bus("tester", { outbox: { batchSize: 7 } });
    const committed: { id: string; partition: number }[] = [];
    for (let seq = 0; seq < 40; seq += 1) {
      const { events } = await apply(tester, { events: [order(seq)] });
      const [event] = events;
      if (event) committed.push({ id: event.id, partition: partitionFor(event.partitionKey, 4) });
    }
    await testbed.relayed("tester");
    for (let partition = 0; partition < 4; partition += 1) {
      const expected = committed.filter((event) => event.partition === partition);
      expect(await idsIn(partition)).toEqual(expected.map((event) => event.id));
    }
    expect(
      await metricValue(tester.metricsRegistry, "bus_events_relayed_total", {
        topic: "test.partitioned",
      }),
    ).toBe(40);
  });

  it("keeps committing while no relay runs; the events wait in the outbox and follow when one takes the lease", async () => {
    await client.set(LEASE, "another-instance", "PX", 60_000);
    const tester = testbed.bus("tester", { outbox: { leaseMs: 300 } });
    const { events } = await apply(tester, { events: [order(1), order(2)] });
    expect(await client.xlen(OUTBOX)).toBe(2);
    expect(await metricValue(tester.metricsRegistry, "bus_outbox_entries", {})).toBe(2);
    // Nothing moves while another holds the lease: every stream is still empty.
    for (let partition = 0; partition < 4; partition += 1)
      expect(await idsIn(partition)).toEqual([]);

    await client.del(LEASE); // that instance died (its lease expired)
    await testbed.relayed("tester");
    const relayed = (await Promise.all([0, 1, 2, 3].map(idsIn))).flat();
    expect(relayed.sort()).toEqual(events.map((event) => event.id).sort());
    expect(await client.get(LEASE)).toMatch(/^tester-/);
  });

  it("has one relay per service: a second instance stands by, and takes over within a second when the first closes", async () => {
    const first = testbed.bus("tester", { consumerName: "tester-first" });
    await apply(first, { events: [order(1)] });
    await testbed.relayed("tester");
    expect(await client.get(LEASE)).toMatch(/^tester-first:/);

    const second = testbed.bus("tester", {
      consumerName: "tester-second",
      outbox: { leaseMs: 60_000 },
    });
    await second.start();
    // The second's commit starts its relay, which finds the lease held and stands by;
    // the first relays the event.
    await apply(second, { events: [order(2)] });
    await testbed.relayed("tester");
    expect(await client.get(LEASE)).toMatch(/^tester-first:/);

    await first.close(); // hands the lease back; the lease's 60 s play no part
    await vi.waitFor(async () => expect(await client.get(LEASE)).toMatch(/^tester-second:/), WAIT);
    await apply(second, { events: [order(3)] });
    await testbed.relayed("tester");
  });

  it("appends an outbox entry relayed twice only once to a handler: the consumer drops the repeat by event id", async () => {
    await client.set(LEASE, "another-instance", "PX", 60_000);
    const tester = testbed.bus("tester", { outbox: { leaseMs: 300 } });
    await apply(tester, { events: [["test.order-placed", { orderId: "o-1", seq: 1 }]] });
    // A relay that appended and died before deleting: the next holder appends it again.
    const [[, fields] = ["", []]] = await client.xrange(OUTBOX, "-", "+");
    await client.xadd(OUTBOX, "*", ...fields);

    const handled: string[] = [];
    await testbed.worker((event) => {
      handled.push(event.id);
    });
    await client.del(LEASE);
    await testbed.relayed("tester");
    await vi.waitFor(async () => {
      expect(await client.xlen(streamKey("test.order-placed", 0))).toBe(2);
      const [pending] = (await client.xpending(streamKey("test.order-placed", 0), "worker")) as [
        number,
      ];
      expect(pending).toBe(0);
    }, WAIT);
    expect(handled).toHaveLength(1);
  });

  it("keeps entries whose append failed, and relays them once their stream can take them", async () => {
    const stream = streamKey("test.order-placed", 0);
    // Not a stream: every append to it fails (WRONGTYPE) until the key is gone.
    await client.set(stream, "in the way");
    const warnings: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(line) });
    const tester = testbed.bus("tester", { outbox: { leaseMs: 300 }, logger });
    const { events } = await apply(tester, {
      events: [["test.order-placed", { orderId: "o-1", seq: 1 }]],
    });
    await vi.waitFor(() => {
      expect(warnings.join("")).toMatch(/WRONGTYPE.*outbox relay failed/);
    }, WAIT);
    expect(await client.xlen(OUTBOX)).toBe(1);

    await client.del(stream);
    await testbed.relayed("tester");
    const ids = (await client.xrange(stream, "-", "+")).map(([, fields]) => fieldMap(fields).id);
    expect(ids).toEqual(events.map((event) => event.id));
  });

  it("refuses, with a coded error, a commit that asks for a replica's confirmation Redis cannot give", async () => {
    // A single server has no replica: WAIT answers 0 once its timeout passes.
    const tester = testbed.bus("tester", { outbox: { replicas: { replicas: 1, timeoutMs: 50 } } });
    await expect(apply(tester, { events: [order(1)] })).rejects.toMatchObject({
      code: "BUS_ERR_NOT_REPLICATED",
      replicas: 1,
      acknowledged: 0,
    });
    // In doubt, not undone: the step was written on the master.
    expect(await client.xlen(OUTBOX)).toBe(1);
  });
});
