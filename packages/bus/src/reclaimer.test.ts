import { once } from "node:events";
import { useRedis } from "@retail/testing";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { gate, metricValue, spawnConsumer, useBusTestbed } from "../test/fixtures.js";
import { partitionKeys, streamKey } from "./keys.js";
import { PARKED_CONSUMER } from "./parking.js";
import { ensureGroup } from "./reader.js";
import { Reclaimer } from "./reclaimer.js";

const stream = streamKey("test.order-placed", 0);
const quickReclaim = { claimIdleMs: 500, reclaimIntervalMs: 100 };

describe("recovery of entries left pending", () => {
  const testbed = useBusTestbed(useRedis());

  it("hands an entry a dead consumer left pending to another consumer of the group", async () => {
    const client = testbed.redis().client();
    await ensureGroup(client, stream, "worker", "0");
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    // a consumer that read the entry and died before acknowledging it
    await client.xreadgroup("GROUP", "worker", "ghost", "COUNT", 1, "STREAMS", stream, ">");

    const registry = new Registry();
    const worker = testbed.bus("worker", { metrics: registry });
    const handled: number[] = [];
    const attempts: number[] = [];
    worker.subscribe(
      "test.order-placed",
      (event, context) => {
        handled.push(event.payload.seq);
        attempts.push(context.attempt);
      },
      quickReclaim,
    );
    await worker.start();
    await vi.waitFor(() => expect(handled).toEqual([1]));
    // the ghost's delivery counts: this is the second
    expect(attempts).toEqual([2]);
    expect(await metricValue(registry, "bus_events_reclaimed_total")).toBe(1);
    await vi.waitFor(async () =>
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
    );
    client.disconnect();
  });

  it("claims what consumers left idle, up to a count, each with its deliveries, and never the parked entries", async () => {
    const client = testbed.redis().client();
    await ensureGroup(client, stream, "worker", "0");
    for (let seq = 0; seq < 8; seq += 1) await client.xadd(stream, "*", "seq", String(seq));
    await client.xreadgroup("GROUP", "worker", "ghost", "COUNT", 5, "STREAMS", stream, ">");
    await client.xreadgroup("GROUP", "worker", "other", "COUNT", 3, "STREAMS", stream, ">");
    // the ghost's first entry waits to be retried: it is not the reclaimer's to take
    const [first] = (await client.xpending(stream, "worker", "-", "+", 1)) as [string][];
    await client.call("XCLAIM", stream, "worker", PARKED_CONSUMER, 0, first?.[0] ?? "", "JUSTID");

    const reclaimer = new Reclaimer(
      client,
      partitionKeys("test.order-placed", 0, "worker"),
      "worker",
      "heir",
      0,
      "worker:test.order-placed",
    );
    const batch = await reclaimer.claim(6);
    expect(batch.entries.map(({ entry: [, fields] }) => fields?.[1])).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
    ]);
    expect(batch.entries.map(({ deliveries }) => deliveries)).toEqual([2, 2, 2, 2, 2, 2]);
    const [still] = (await client.xpending(stream, "worker", "-", "+", 1)) as [string, string][];
    expect(still?.slice(0, 2)).toEqual([first?.[0], PARKED_CONSUMER]);
    client.disconnect();
  });

  it("lets a handler that runs past the idle threshold keep its entry: nobody else starts it", async () => {
    const slow = testbed.bus("worker");
    const other = testbed.bus("worker");
    const runs: string[] = [];
    const otherStarted = gate();
    slow.subscribe(
      "test.order-placed",
      async () => {
        runs.push("slow");
        // four times the idle threshold: without heartbeats the other consumer would take it
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      },
      quickReclaim,
    );
    await slow.start();
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await vi.waitFor(() => expect(runs).toEqual(["slow"]));

    other.subscribe(
      "test.order-placed",
      () => {
        runs.push("other");
        otherStarted.open();
      },
      quickReclaim,
    );
    await other.start();
    await vi.waitFor(
      async () => expect((await slow.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
      {
        timeout: 10_000,
      },
    );
    expect(runs).toEqual(["slow"]);
  });

  it("completes the entries of a consumer process killed with SIGKILL mid-handler, each with exactly one effect", async () => {
    const { child, lines } = spawnConsumer(testbed.redis().address, "hold");
    try {
      await vi.waitFor(() => expect(lines).toContain("ready"), { timeout: 30_000 });

      const tester = testbed.bus("tester");
      // killed after committing its effect, and killed before
      const committed = await tester.publish("test.order-placed", { orderId: "o-1", seq: 1 });
      const uncommitted = await tester.publish("test.order-placed", { orderId: "o-2", seq: 2 });
      await vi.waitFor(
        () => {
          expect(lines).toContain(`holding ${committed.id}`);
          expect(lines).toContain(`holding ${uncommitted.id}`);
        },
        { timeout: 10_000 },
      );
      child.kill("SIGKILL");
      await once(child, "exit");

      const heir = testbed.bus("worker");
      const heirRuns: string[] = [];
      heir.subscribe(
        "test.order-placed",
        async (received, context) => {
          heirRuns.push(received.id);
          await apply(heir, { calls: [["HINCRBY", "{worker}:effects", received.id, 1]] }, context);
        },
        quickReclaim,
      );
      await heir.start();
      await vi.waitFor(
        async () => expect((await heir.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
        {
          timeout: 15_000,
        },
      );
      // the committed one is recognised as processed and only acknowledged
      expect(heirRuns).toEqual([uncommitted.id]);
      const client = testbed.redis().client();
      expect(await client.hgetall("{worker}:effects")).toEqual({
        [committed.id]: "1",
        [uncommitted.id]: "1",
      });
      client.disconnect();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("dead-letters an entry whose deliveries keep killing their consumer, before running it again", async () => {
    const tester = testbed.bus("tester");
    const client = testbed.redis().client();
    await ensureGroup(client, stream, "worker", "$");
    const poison = await tester.publish("test.order-placed", { orderId: "o", seq: 1 });
    const admin = tester.admin;
    // a supervisor restarts the consumer each time the event kills it
    for (let start = 0; start < 5; start += 1) {
      if ((await admin.listDeadLetters("test.order-placed")).length > 0) break;
      const { child } = spawnConsumer(testbed.redis().address, "exit", [
        "claimIdleMs=300",
        "reclaimIntervalMs=100",
        "maxStalls=2",
      ]);
      const exited = once(child, "exit");
      try {
        // either the event kills this process too, or the process dead-letters it
        await vi.waitFor(
          async () => {
            const deadLetters = await admin.listDeadLetters("test.order-placed");
            expect(child.exitCode !== null || deadLetters.length > 0).toBe(true);
          },
          { timeout: 30_000, interval: 100 },
        );
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        await exited;
      }
    }
    const [letter] = await admin.listDeadLetters("test.order-placed");
    expect(letter).toMatchObject({ reason: "stalled", attempts: 2 });
    expect(letter?.fields.id).toBe(poison.id);
    expect(await client.hget("{worker}:runs", poison.id)).toBe("2");
    client.disconnect();
  });

  it("dead-letters a reclaimed entry already delivered maxDeliveries times, before running it", async () => {
    const client = testbed.redis().client();
    await ensureGroup(client, stream, "worker", "0");
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    await client.xreadgroup("GROUP", "worker", "ghost", "COUNT", 1, "STREAMS", stream, ">");
    const [pending] = (await client.xpending(stream, "worker", "-", "+", 1)) as [string][];
    // four deliveries so far, none finished with a failure on record
    await client.call(
      "XCLAIM",
      stream,
      "worker",
      "ghost",
      0,
      pending?.[0] ?? "",
      "RETRYCOUNT",
      4,
      "JUSTID",
    );

    const worker = testbed.bus("worker");
    const runs: number[] = [];
    worker.subscribe("test.order-placed", (event) => void runs.push(event.payload.seq), {
      ...quickReclaim,
      maxDeliveries: 4,
      maxStalls: 10,
    });
    await worker.start();
    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    const [letter] = await worker.admin.listDeadLetters("test.order-placed");
    expect(letter).toMatchObject({ reason: "max_deliveries", attempts: 4 });
    expect(runs).toEqual([]);
    client.disconnect();
  });
});
