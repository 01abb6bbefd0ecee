import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createBus } from "../../src/index.js";
import { streamKey } from "../../src/keys.js";
import { leaseKey } from "../../src/lease.js";
import { orderedCatalog } from "./catalog.js";
import { effectsKey, flaky, handlersKey, RETRIED } from "./effects.js";

const CONSUMER = fileURLToPath(new URL("./consumer.ts", import.meta.url));
const TOPIC = "test.ordered";
const PARTITIONS = 6;
const KEYS = 50;
const EVENTS = 1_000;

/** Start a consumer process; resolves once its bus has started. */
async function launch(redisUrl: string, name: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--conditions=@retail/source", "--import", "tsx", CONSUMER, redisUrl, name],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("ready")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`consumer ${name} exited with ${code}`)));
  });
  return child;
}

/** SIGTERM (the bus closes gracefully), SIGKILL if it has not ended after 10 s. */
async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

describe("per-key order across consumer processes (ordering: per-key)", () => {
  const server = useRedisServer();
  const children: ChildProcess[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map(end));
    for (const client of clients.splice(0)) client.disconnect();
  });

  /** Who holds each partition's lease now (by index). */
  async function holders(redis: Redis): Promise<string[]> {
    return Promise.all(
      Array.from({ length: PARTITIONS }, async (_, partition) =>
        String(await redis.hget(leaseKey(TOPIC, partition, "ordered"), "holder")),
      ),
    );
  }

  /** Entries pending with the consumers whose names start with `prefix`, over every partition. */
  async function pendingWith(redis: Redis, prefix: string): Promise<number> {
    let count = 0;
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const [, , , consumers] = (await redis.xpending(streamKey(TOPIC, partition), "ordered")) as [
        number,
        string | null,
        string | null,
        [string, string][] | null,
      ];
      for (const [consumer, pending] of consumers ?? [])
        if (consumer.startsWith(prefix)) count += Number(pending);
    }
    return count;
  }

  async function effectsCount(redis: Redis): Promise<number> {
    const lengths = await Promise.all(
      Array.from({ length: KEYS }, (_, key) => redis.llen(effectsKey(`order-${key}`))),
    );
    return lengths.reduce((sum, length) => sum + length, 0);
  }

  /** Each key's seqs in the order its partition stream holds them. */
  async function streamOrder(redis: Redis): Promise<Map<string, number[]>> {
    const order = new Map<string, number[]>();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      for (const [, fields] of await redis.xrange(streamKey(TOPIC, partition), "-", "+")) {
        const field = (name: string) => fields[fields.indexOf(name) + 1] as string;
        const key = field("partitionKey");
        order.set(key, [...(order.get(key) ?? []), JSON.parse(field("payload")).seq]);
      }
    }
    return order;
  }

  it("handles 1,000 events over 50 keys once each, every key in stream order (retries included), with three consumer processes and one SIGKILLed mid-run", async () => {
    const url = server().url;
    await server().flushAll();
    const redis = server().client();
    clients.push(redis);
    const names = ["consumer-a", "consumer-b", "consumer-c"];
    for (const name of names) children.push(await launch(url, name));
    // two partitions each before anything is published
    await vi.waitFor(
      async () => expect([...(await holders(redis))].sort()).toEqual(names.flatMap((n) => [n, n])),
      { timeout: 30_000, interval: 50 },
    );

    const tester = createBus({
      service: "tester",
      catalog: orderedCatalog,
      redis: url,
      logger: pino({ level: "silent" }),
    });
    const publish = (from: number, to: number) =>
      Promise.all(
        Array.from({ length: to - from }, (_, index) =>
          tester.publish(TOPIC, { orderId: `order-${(from + index) % KEYS}`, seq: from + index }),
        ),
      );
    try {
      await publish(0, EVENTS / 2);
      // mid-run: some effects recorded, most not
      await vi.waitFor(async () => expect(await effectsCount(redis)).toBeGreaterThan(100), {
        timeout: 30_000,
        interval: 10,
      });
      const victim = children[1] as ChildProcess;
      const victimName = names[1] as string;
      const heldByVictim = (await holders(redis)).filter((holder) => holder === victimName);
      victim.kill("SIGKILL");
      await once(victim, "exit");
      const atKill = await effectsCount(redis);
      const leftPending = await pendingWith(redis, `${victimName}#`);
      await publish(EVENTS / 2, EVENTS);

      await vi.waitFor(async () => expect(await effectsCount(redis)).toBe(EVENTS), {
        timeout: 60_000,
        interval: 100,
      });
      const order = await streamOrder(redis);
      for (let key = 0; key < KEYS; key++) {
        const orderId = `order-${key}`;
        const published = Array.from({ length: EVENTS / KEYS }, (_, round) => key + round * KEYS);
        expect(order.get(orderId)).toEqual(published);
        const effects = (await redis.lrange(effectsKey(orderId), 0, -1)).map(Number);
        expect({ orderId, effects }).toEqual({ orderId, effects: published });
      }

      // every flaky event was retried (a kill may add retries of its own)
      expect(Number(await redis.get(RETRIED))).toBeGreaterThanOrEqual(
        Array.from({ length: EVENTS }, (_, seq) => seq).filter(flaky).length,
      );
      // the kill came mid-run, and the survivors took the victim's partitions over
      expect(heldByVictim).toHaveLength(2);
      expect(atKill).toBeLessThan(EVENTS);
      expect(leftPending).toBeGreaterThan(0);
      const handlers = new Set(
        (
          await Promise.all(
            Array.from({ length: KEYS }, (_, key) =>
              redis.lrange(handlersKey(`order-${key}`), 0, -1),
            ),
          )
        ).flat(),
      );
      expect(handlers).toEqual(new Set(names));
      const survivors = [names[0], names[2]];
      expect((await holders(redis)).every((holder) => survivors.includes(holder))).toBe(true);
      // nothing left pending: every entry was acknowledged by the holder of its partition
      for (let partition = 0; partition < PARTITIONS; partition++) {
        await vi.waitFor(async () =>
          expect((await redis.xpending(streamKey(TOPIC, partition), "ordered"))[0]).toBe(0),
        );
      }
    } finally {
      await tester.close();
    }
  }, 180_000);
});
