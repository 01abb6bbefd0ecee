import { useRedis } from "@retail/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Acknowledger } from "./acknowledger.js";
import { partitionKeys } from "./keys.js";
import {
  acquireLease,
  Fence,
  fencedRead,
  LeaseLostError,
  leaseKey,
  releaseLease,
  renewLease,
  takeOverPending,
} from "./lease.js";
import { LeaseParking } from "./lease-parking.js";
import { PARKED_CONSUMER, Parking } from "./parking.js";
import type { RedisClient } from "./redis.js";
import { freshRecord } from "./retry-record.js";

const keys = partitionKeys("test.ordered", 0, "ordered");
const lease = leaseKey("test.ordered", 0, "ordered");

describe("partition leases and their fencing tokens", () => {
  const server = useRedis();
  let redis: RedisClient;

  beforeEach(async () => {
    await server().flushAll();
    redis = server().client();
    await redis.xgroup("CREATE", keys.stream, "ordered", "0", "MKSTREAM");
  });
  afterEach(() => redis.disconnect());

  /** Wait until `instance` is granted the lease; resolves to its token. */
  async function grantedTo(instance: string, ttlMs: number): Promise<string> {
    return vi.waitFor(
      async () => {
        const grant = await acquireLease(redis, lease, instance, ttlMs);
        if (!grant.granted) throw new Error(`${grant.holder} holds it`);
        return grant.token;
      },
      { timeout: 5_000, interval: 20 },
    );
  }

  /** The holder's lease runs out (as while it was paused) and `instance` is granted it. */
  async function displacedBy(instance: string): Promise<string> {
    await redis.hset(lease, "until", "0");
    return grantedTo(instance, 60_000);
  }

  async function append(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let seq = 0; seq < count; seq++)
      ids.push((await redis.xadd(keys.stream, "*", "seq", String(seq))) as string);
    return ids;
  }

  async function pendingOwners(): Promise<[string, string][]> {
    const rows = (await redis.xpending(keys.stream, "ordered", "-", "+", 100)) as [
      string,
      string,
    ][];
    return rows.map(([id, owner]) => [id, owner]);
  }

  it("grants a free lease with a token, refuses it to another instance while held, and renews it only for its token", async () => {
    const first = await acquireLease(redis, lease, "a", 60_000);
    expect(first).toEqual({ granted: true, token: expect.stringMatching(/^\d+$/) });
    const refused = await acquireLease(redis, lease, "b", 60_000);
    expect(refused).toEqual({ granted: false, holder: "a", remainingMs: expect.any(Number) });
    const token = (first as { token: string }).token;
    expect(await renewLease(redis, lease, token, 60_000)).toBe(true);
    expect(await renewLease(redis, lease, `${token}0`, 60_000)).toBe(false);
    expect(await redis.hget(lease, "holder")).toBe("a");
  });

  it("grants the lease again to its holder's instance (a later tenure) with a greater token, after which the earlier token renews nothing", async () => {
    const earlier = await grantedTo("a", 60_000);
    const later = await grantedTo("a", 60_000);
    expect(BigInt(later)).toBeGreaterThan(BigInt(earlier));
    expect(await renewLease(redis, lease, earlier, 60_000)).toBe(false);
    expect(await renewLease(redis, lease, later, 60_000)).toBe(true);
  });

  it("gives an expired lease to the next instance that asks, with a greater token; the old holder's renewal is then refused", async () => {
    const old = await grantedTo("a", 200);
    const next = await grantedTo("b", 60_000);
    expect(BigInt(next)).toBeGreaterThan(BigInt(old));
    expect(await renewLease(redis, lease, old, 60_000)).toBe(false);
    expect(await redis.hget(lease, "holder")).toBe("b");
  });

  it("gives a released lease to another instance at once; the release of a stale token does nothing", async () => {
    const old = await grantedTo("a", 60_000);
    expect(await releaseLease(redis, lease, old)).toBe(true);
    const next = await grantedTo("b", 60_000);
    expect(await releaseLease(redis, lease, old)).toBe(false);
    expect(await renewLease(redis, lease, next, 60_000)).toBe(true);
  });

  it("grants a greater token than every earlier one even after the lease's hash was lost", async () => {
    const old = await grantedTo("a", 60_000);
    await redis.del(lease);
    const next = await grantedTo("a", 60_000);
    expect(BigInt(next)).toBeGreaterThan(BigInt(old));
  });

  it("refuses a read to a holder whose lease another instance was granted (BUS_ERR_LEASE_LOST), delivering nothing", async () => {
    const old = await grantedTo("a", 60_000);
    await append(3);
    const read = await fencedRead(
      redis,
      { stream: keys.stream, lease, group: "ordered", consumer: "a#1", token: old },
      1,
    );
    expect(read.entries).toHaveLength(1);
    await displacedBy("b");

    const error = await fencedRead(
      redis,
      { stream: keys.stream, lease, group: "ordered", consumer: "a#1", token: old },
      10,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as LeaseLostError).code).toBe("BUS_ERR_LEASE_LOST");
    expect(await pendingOwners()).toHaveLength(1);
  });

  it("says, when nothing is new, which id to wait past: the stream's last", async () => {
    const token = await grantedTo("a", 60_000);
    const ids = await append(2);
    const partition = { stream: keys.stream, lease, group: "ordered", consumer: "a#1", token };
    expect((await fencedRead(redis, partition, 10)).entries.map(([id]) => id)).toEqual(ids);
    expect(await fencedRead(redis, partition, 10)).toEqual({ entries: [], waitAfter: ids[1] });
  });

  it("refuses and counts the acks of an old holder once another instance holds the lease; the entries stay pending", async () => {
    const old = await grantedTo("a", 60_000);
    await append(2);
    const partition = { stream: keys.stream, lease, group: "ordered", consumer: "a#1", token: old };
    const read = await fencedRead(redis, partition, 10);
    await displacedBy("b");

    const counted = { handled: 0, refused: 0 };
    const acknowledger = new Acknowledger(
      redis,
      keys,
      "ordered",
      "a#1",
      undefined,
      {
        acknowledged(handled, _duplicates, refused) {
          counted.handled += handled;
          counted.refused += refused;
        },
        failed(error) {
          throw error;
        },
      },
      { lease, token: old },
    );
    for (const [id] of read.entries) acknowledger.ack(id, undefined, "handled");
    await acknowledger.idle();
    expect(counted).toEqual({ handled: 2, refused: 2 });
    expect(await pendingOwners()).toHaveLength(2);
  });

  it("acknowledges the holder's entries while its token is the lease's", async () => {
    const token = await grantedTo("a", 60_000);
    await append(2);
    const partition = { stream: keys.stream, lease, group: "ordered", consumer: "a#1", token };
    const read = await fencedRead(redis, partition, 10);
    let refused = -1;
    const acknowledger = new Acknowledger(
      redis,
      keys,
      "ordered",
      "a#1",
      undefined,
      {
        acknowledged(_handled, _duplicates, count) {
          refused = count;
        },
        failed() {},
      },
      { lease, token },
    );
    for (const [id] of read.entries) acknowledger.ack(id, undefined, "handled");
    await acknowledger.idle();
    expect(refused).toBe(0);
    expect(await pendingOwners()).toEqual([]);
  });

  it("lets the new holder take every pending entry in stream order — the old holder's and parked ones — a batch at a time, then removes the emptied consumers", async () => {
    const old = await grantedTo("a", 60_000);
    const ids = await append(5);
    const oldPartition = {
      stream: keys.stream,
      lease,
      group: "ordered",
      consumer: "a#1",
      token: old,
    };
    await fencedRead(redis, oldPartition, 5);
    // the old holder parked the second entry for a retry
    const parking = new Parking(redis, keys, "ordered", "a#1", "ordered:test.ordered");
    await parking.park([
      { entryId: ids[1] as string, due: Date.now() + 60_000, record: freshRecord([]) },
    ]);
    const token = await displacedBy("b");

    const partition = { ...keys, lease, group: "ordered", consumer: "b#2", token };
    const batch = { parkedConsumer: PARKED_CONSUMER, handler: "ordered:test.ordered" };
    const first = await takeOverPending(redis, partition, {
      ...batch,
      after: "-",
      count: 3,
      withParked: true,
    });
    expect(first.entries.map(({ entry: [id], from }) => [id, from])).toEqual([
      [ids[0], "held"],
      [ids[1], "parked"],
      [ids[2], "held"],
    ]);
    expect(first.entries.map(({ deliveries }) => deliveries)).toEqual([2, 2, 2]);
    expect(first.through).toBe(false);
    const rest = await takeOverPending(redis, partition, {
      ...batch,
      after: first.last as string,
      count: 3,
      withParked: true,
    });
    expect(rest.entries.map(({ entry: [id] }) => id)).toEqual(ids.slice(3));
    expect(rest.through).toBe(true);

    expect(await pendingOwners()).toEqual(ids.map((id) => [id, "b#2"]));
    expect(await redis.zcard(keys.parked)).toBe(0);
    const consumers = (await redis.xinfo("CONSUMERS", keys.stream, "ordered")) as string[][];
    // the old holder's consumer is gone; the parked one stays, as every group has it
    expect(consumers.map((row) => row[1])).toEqual(["b#2", PARKED_CONSUMER]);
  });

  it("leaves parked entries parked when asked to, and returns its own pending entries without claiming them again", async () => {
    const token = await grantedTo("a", 60_000);
    const ids = await append(3);
    const partition = { ...keys, lease, group: "ordered", consumer: "a#1", token };
    await fencedRead(redis, partition, 3);
    const parking = new Parking(redis, keys, "ordered", "a#1", "ordered:test.ordered");
    await parking.park([
      { entryId: ids[0] as string, due: Date.now() + 60_000, record: freshRecord([]) },
    ]);

    const walked = await takeOverPending(redis, partition, {
      after: "-",
      count: 10,
      withParked: false,
      parkedConsumer: PARKED_CONSUMER,
      handler: "ordered:test.ordered",
    });
    expect(
      walked.entries.map(({ entry: [id], from, deliveries }) => [id, from, deliveries]),
    ).toEqual([
      [ids[1], "own", 1],
      [ids[2], "own", 1],
    ]);
    expect(await redis.zcard(keys.parked)).toBe(1);
  });

  it("refuses the walk over pending entries to a holder that lost the lease", async () => {
    const old = await grantedTo("a", 60_000);
    await displacedBy("b");
    const error = await takeOverPending(
      redis,
      { ...keys, lease, group: "ordered", consumer: "a#1", token: old },
      {
        after: "-",
        count: 10,
        withParked: true,
        parkedConsumer: PARKED_CONSUMER,
        handler: "ordered:test.ordered",
      },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LeaseLostError);
  });

  it("gives parked entries back to a holder only while it holds the lease", async () => {
    const old = await grantedTo("a", 60_000);
    const ids = await append(1);
    await fencedRead(redis, { ...keys, lease, group: "ordered", consumer: "a#1", token: old }, 1);
    const handler = "ordered:test.ordered";
    const oldFence = new Fence(lease, old, 60_000, performance.now(), () => {});
    const oldParking = new LeaseParking(redis, keys, "ordered", "a#1", handler, oldFence);
    await oldParking.park([
      { entryId: ids[0] as string, due: Date.now(), record: freshRecord([]) },
    ]);
    const token = await displacedBy("b");

    const refused = await oldParking.takeDue(10).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(LeaseLostError);
    expect(oldFence.valid()).toBe(false);
    expect(await redis.zcard(keys.parked)).toBe(1);

    const fence = new Fence(lease, token, 60_000, performance.now(), () => {});
    const parking = new LeaseParking(redis, keys, "ordered", "b#2", handler, fence);
    const { taken } = await parking.takeDue(10);
    expect(taken.map(({ entry: [id] }) => id)).toEqual(ids);
    expect(await pendingOwners()).toEqual([[ids[0], "b#2"]]);
  });
});

describe("a tenure's fence, by its own clock", () => {
  afterEach(() => vi.restoreAllMocks());

  function clockAt(ms: number): void {
    vi.spyOn(performance, "now").mockReturnValue(ms);
  }

  it("stays valid for four fifths of the lease's time to live after it was asked for, and as long after each renewal", () => {
    clockAt(0);
    const fence = new Fence("lease", "1", 1_000, 0, () => {});
    clockAt(799);
    expect(fence.valid()).toBe(true);
    fence.renewed(500);
    clockAt(1_299);
    expect(fence.valid()).toBe(true);
    clockAt(1_300);
    expect(fence.valid()).toBe(false);
  });

  it("ends for good once expired or lost, telling its tenure once, and a renewal after that does not bring it back", () => {
    const ends: string[] = [];
    clockAt(0);
    const expiring = new Fence("lease", "1", 1_000, 0, (reason) => ends.push(reason));
    clockAt(900);
    expect(expiring.valid()).toBe(false);
    expiring.renewed(900);
    expect(expiring.valid()).toBe(false);
    const lost = new Fence("lease", "2", 1_000, 900, (reason) => ends.push(reason));
    lost.lost();
    lost.lost();
    expect(lost.valid()).toBe(false);
    expect(ends).toEqual(["expired", "lost"]);
  });
});
