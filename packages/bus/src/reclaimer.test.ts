import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { gate, useBusTestbed } from "../test/fixtures.js";
import { streamKey } from "./keys.js";
import { ensureGroup } from "./reader.js";
import { Reclaimer } from "./reclaimer.js";

const stream = streamKey("test.order-placed", 0);
const quickReclaim = { claimIdleMs: 500, reclaimIntervalMs: 100 };

describe("recovery of entries left pending", () => {
  const testbed = useBusTestbed();

  it("hands an entry a dead consumer left pending to another consumer of the group", async () => {
    const client = testbed.redis().client();
    await ensureGroup(client, stream, "worker", "0");
    await testbed.bus("tester").publish("test.order-placed", { orderId: "o", seq: 1 });
    // a consumer that read the entry and died before acknowledging it
    await client.xreadgroup("GROUP", "worker", "ghost", "COUNT", 1, "STREAMS", stream, ">");

    const worker = testbed.bus("worker");
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
    await vi.waitFor(async () =>
      expect((await worker.admin.groups("test.order-placed"))[0]?.pending).toBe(0),
    );
    client.disconnect();
  });

  it("keeps the XAUTOCLAIM cursor across calls, so each call continues where the last stopped", async () => {
    const client = testbed.redis().client();
    await ensureGroup(client, stream, "worker", "0");
    for (let seq = 0; seq < 7; seq += 1) await client.xadd(stream, "*", "seq", String(seq));
    await client.xreadgroup("GROUP", "worker", "ghost", "COUNT", 7, "STREAMS", stream, ">");

    const reclaimer = new Reclaimer(client, stream, "worker", "heir", 0);
    const batches: string[][] = [];
    for (let call = 0; call < 3; call += 1) {
      const batch = await reclaimer.claim(3);
      batches.push(batch.entries.map(([, fields]) => fields?.[1] ?? ""));
    }
    expect(batches).toEqual([["0", "1", "2"], ["3", "4", "5"], ["6"]]);
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
    const child = spawn(
      process.execPath,
      [
        "--conditions=@retail/source",
        "--import",
        "tsx",
        fileURLToPath(new URL("../test/consumer-process.ts", import.meta.url)),
        testbed.redis().url,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const lines: string[] = [];
      child.stdout
        .setEncoding("utf8")
        .on("data", (chunk: string) => lines.push(...chunk.split("\n")));
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
          await context.atomically((batch) =>
            batch.call("HINCRBY", "{worker}:effects", received.id, 1),
          );
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
});
