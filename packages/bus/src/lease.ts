import { BusError } from "./errors.js";
import { LuaScript } from "./lua-script.js";
import type { RawEntry } from "./reader.js";
import type { RedisClient } from "./redis.js";
import { decodeRecord, type RetryRecord } from "./retry-record.js";

/**
 * The lease of one partition of a topic for one group (`ordering: "per-key"`): a hash of
 * its holder (an instance), its fencing token and when it expires (epoch ms, Redis's
 * clock). Under the partition's hash tag, so the scripts that check the token touch one
 * Cluster slot with the stream. Never expires: the token must only grow.
 */
export function leaseKey(topic: string, partition: number, group: string): string {
  return `lease:{${topic}:${partition}}:${group}`;
}

/** The live instances of a group consuming a topic with per-key order: a sorted set by expiry. */
export function ownersKey(topic: string, group: string): string {
  return `owners:{${topic}:members}:${group}`;
}

/**
 * A fenced step refused: the lease of the partition is no longer held with the caller's
 * token (another instance was granted it, or it expired). Nothing was read or written.
 */
export class LeaseLostError extends BusError {
  constructor(
    readonly lease: string,
    options?: ErrorOptions,
  ) {
    super("BUS_ERR_LEASE_LOST", `the lease ${lease} is no longer held by this consumer`, options);
  }
}

const ACQUIRE = LuaScript.load(new URL("./lease-acquire-1.lua", import.meta.url));
const RENEW = LuaScript.load(new URL("./lease-renew-1.lua", import.meta.url));
const RELEASE = LuaScript.load(new URL("./lease-release-1.lua", import.meta.url));
const READ = LuaScript.load(new URL("./lease-read-2.lua", import.meta.url));
const ACK = LuaScript.load(new URL("./lease-ack-3.lua", import.meta.url));
const TAKE_OVER = LuaScript.load(new URL("./lease-take-over-6.lua", import.meta.url));
const MEMBERS = LuaScript.load(new URL("./ownership-members-1.lua", import.meta.url));

/** What `acquireLease` answers: the new token, or who holds the lease and for how much longer. */
export type Grant =
  | { granted: true; token: string }
  | { granted: false; holder: string; remainingMs: number };

/** Take the lease for `holder` if it is free, expired or `holder`'s own: a new token each time. */
export async function acquireLease(
  redis: RedisClient,
  lease: string,
  holder: string,
  ttlMs: number,
): Promise<Grant> {
  const reply = (await ACQUIRE.run(redis, [lease], [holder, ttlMs])) as [number, string, number?];
  return Number(reply[0]) === 1
    ? { granted: true, token: String(reply[1]) }
    : { granted: false, holder: String(reply[1]), remainingMs: Number(reply[2]) };
}

/** Extend the lease while `token` is still its own; false once it is not. */
export async function renewLease(
  redis: RedisClient,
  lease: string,
  token: string,
  ttlMs: number,
): Promise<boolean> {
  return Number(await RENEW.run(redis, [lease], [token, ttlMs])) === 1;
}

/** Give the lease up if `token` still holds it; false if it did not. */
export async function releaseLease(
  redis: RedisClient,
  lease: string,
  token: string,
): Promise<boolean> {
  return Number(await RELEASE.run(redis, [lease], [token])) === 1;
}

/** Keep `instance` among a group's live instances of a topic; resolves to all of them. */
export async function liveOwners(
  redis: RedisClient,
  owners: string,
  instance: string,
  ttlMs: number,
): Promise<string[]> {
  return ((await MEMBERS.run(redis, [owners], [instance, ttlMs])) as string[]).map(String);
}

/** What a fenced step needs of the partition and the consumer taking it. */
export interface FencedPartition {
  stream: string;
  lease: string;
  group: string;
  /** The consumer name of the holder's tenure. */
  consumer: string;
  token: string;
}

/**
 * Read up to `count` new entries while holding the lease. With none, `waitAfter` is the
 * stream's last id: block (XREAD) for anything newer before asking again.
 */
export async function fencedRead(
  redis: RedisClient,
  partition: FencedPartition,
  count: number,
): Promise<{ entries: RawEntry[]; waitAfter: string | undefined }> {
  const { stream, lease, group, consumer, token } = partition;
  const [entries, last] = (await fenced(
    lease,
    READ.run(redis, [stream, lease], [group, consumer, token, count]),
  )) as [RawEntry[], string | null];
  return { entries, waitAfter: last ?? undefined };
}

/** Acknowledge entries while holding the lease; false (nothing acknowledged) once it is lost. */
export async function fencedAck(
  redis: RedisClient,
  partition: { stream: string; retryRecords: string; lease: string; group: string; token: string },
  entryIds: readonly string[],
): Promise<boolean> {
  const { stream, retryRecords, lease, group, token } = partition;
  const reply = await ACK.run(redis, [stream, retryRecords, lease], [group, token, ...entryIds]);
  return Number(reply) === 0;
}

/** An entry the new holder took over, with where it was pending. */
export interface TakenOverEntry {
  entry: RawEntry;
  /** Deliveries so far, this one included. */
  deliveries: number;
  record: RetryRecord | undefined;
  /** `held` by another consumer (a previous holder), `parked` for a retry, or this consumer's `own`. */
  from: "held" | "parked" | "own";
}

export interface TakeOverBatch {
  entries: TakenOverEntry[];
  /** Pending entries trimmed from the stream; those with a retry record were dead-lettered. */
  trimmed: { entryId: string; deadLettered: boolean }[];
  /** The last pending id looked at: the next batch starts after it. */
  last: string | undefined;
  /** True when no pending entry is left after this batch. */
  through: boolean;
}

/**
 * Take the next `count` entries pending in the partition's group after `after` (`-`: from
 * the start), in stream order, while holding the lease: see lease-take-over-6.lua.
 */
export async function takeOverPending(
  redis: RedisClient,
  partition: FencedPartition & {
    retryRecords: string;
    deadLetters: string;
    trimmed: string;
    parked: string;
  },
  batch: {
    after: string;
    count: number;
    withParked: boolean;
    parkedConsumer: string;
    handler: string;
  },
): Promise<TakeOverBatch> {
  const { stream, lease, retryRecords, deadLetters, trimmed, parked } = partition;
  const [rows, gone, last, through] = (await fenced(
    lease,
    TAKE_OVER.run(
      redis,
      [stream, lease, retryRecords, deadLetters, trimmed, parked],
      [
        partition.group,
        partition.consumer,
        partition.token,
        batch.parkedConsumer,
        batch.after,
        batch.count,
        batch.withParked ? "1" : "0",
        batch.handler,
        new Date().toISOString(),
      ],
    ),
  )) as [
    [string, string[], number, string | null, TakenOverEntry["from"]][],
    [string, number][],
    string | null,
    number,
  ];
  return {
    entries: rows.map(([id, fields, deliveries, record, from]) => ({
      entry: [id, fields],
      deliveries: Number(deliveries),
      record: decodeRecord(record),
      from,
    })),
    trimmed: gone.map(([entryId, deadLettered]) => ({
      entryId,
      deadLettered: Number(deadLettered) === 1,
    })),
    last: last ?? undefined,
    through: Number(through) === 1,
  };
}

/** A script's LEASELOST error reply, as a `LeaseLostError`. */
async function fenced<T>(lease: string, running: Promise<T>): Promise<T> {
  try {
    return await running;
  } catch (error) {
    if (String((error as Error)?.message ?? "").startsWith("LEASELOST"))
      throw new LeaseLostError(lease, { cause: error });
    throw error;
  }
}

/**
 * One tenure's hold on a partition, as this instance sees it: its token, and until when
 * it may act on it by its own clock — the time it asked for the lease (or its last
 * renewal) plus four fifths of the time to live, so it stops before Redis could grant the
 * lease to another, whatever the clocks say. Once it has ended (lost, expired, handed
 * over) it stays ended.
 */
export class Fence {
  private validUntil: number;
  private ended = false;

  constructor(
    readonly lease: string,
    readonly token: string,
    private readonly ttlMs: number,
    askedAt: number,
    private readonly onEnd: (reason: "lost" | "expired") => void,
  ) {
    this.validUntil = askedAt + (ttlMs * 4) / 5;
  }

  /** Whether this tenure may still start work on the partition (ends it once expired). */
  valid(): boolean {
    if (this.ended) return false;
    if (performance.now() < this.validUntil) return true;
    this.end("expired");
    return false;
  }

  /** The lease was renewed by a request sent at `askedAt` (`performance.now()`). */
  renewed(askedAt: number): void {
    if (!this.ended) this.validUntil = Math.max(this.validUntil, askedAt + (this.ttlMs * 4) / 5);
  }

  /** Redis refused a fenced step or a renewal: another instance holds the lease now. */
  lost(): void {
    this.end("lost");
  }

  /** The tenure gave the lease up (a handover): nothing more starts under it. */
  close(): void {
    this.ended = true;
  }

  private end(reason: "lost" | "expired"): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(reason);
  }
}
