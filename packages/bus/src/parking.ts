import type { PartitionKeys } from "./keys.js";
import { LuaScript } from "./lua-script.js";
import type { RawEntry } from "./reader.js";
import type { RedisClient } from "./redis.js";
import { decodeRecord, encodeRecord, type RetryRecord } from "./retry-record.js";

/**
 * The consumer name that holds a group's parked entries in its pending list. They
 * stay pending (nothing is lost if every process dies), but no live consumer holds
 * them, so none refreshes their claims and the reclaimer passes them over: they come
 * back only when due, through {@link Parking.takeDue}.
 */
export const PARKED_CONSUMER = "bus:parked";

/** An entry to park: when it is due, and what the group keeps of it meanwhile. */
export interface ParkingEntry {
  entryId: string;
  /** Epoch ms. */
  due: number;
  record: RetryRecord;
  /**
   * Set the entry's delivery count to this (a delivery that never ran its handler —
   * a handover at shutdown, a version this consumer does not know — does not count).
   */
  deliveries?: number | undefined;
}

/** A parked entry taken back because it is due: one more delivery. */
export interface TakenEntry {
  entry: RawEntry;
  /** Deliveries so far, this one included. */
  deliveries: number;
  record: RetryRecord | undefined;
}

/**
 * Parks entries this consumer owns: moves them to the parked consumer, schedules them
 * and stores their records. An entry whose stream entry is gone (trimmed) is not
 * parked — moving it would drop it from the pending list — but dead-lettered from
 * its record at once. An entry parked already counts as parked: the client sends a
 * command again after a reconnect when its reply was lost.
 */
const PARK = LuaScript.load(new URL("./park-5.lua", import.meta.url));

/**
 * Takes up to `count` parked entries that are due, oldest due first, claiming each for
 * this consumer (a delivery). One whose stream entry was trimmed meanwhile is
 * dead-lettered from its record instead; one the group no longer has pending (the
 * group was recreated) is forgotten.
 */
const TAKE_DUE = LuaScript.load(new URL("./take-due-5.lua", import.meta.url));

/**
 * Of some entries, those pending with this consumer, with their fields, deliveries and
 * records: entries it took back from parking without ever seeing the reply (the
 * connection dropped), which it would otherwise find only by reclaiming them from
 * itself after the idle threshold.
 */
const OWNED_UNSEEN = LuaScript.load(new URL("./owned-unseen-2.lua", import.meta.url));

/**
 * A group's entries of one partition that wait to be retried, kept in Redis (a sorted
 * set by due time, as BullMQ keeps delayed jobs) rather than in a handler slot: the
 * slot goes to other work, and any consumer of the group takes the entry when due.
 */
export class Parking {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: PartitionKeys,
    private readonly group: string,
    private readonly consumer: string,
    /** The handler's name, for dead letters written here. */
    private readonly handler: string,
  ) {}

  /** Park entries this consumer owns. Resolves to the ids refused (owned by another now) and trimmed. */
  async park(entries: readonly ParkingEntry[]): Promise<{ refused: string[]; trimmed: string[] }> {
    if (entries.length === 0) return { refused: [], trimmed: [] };
    const args: (string | number)[] = [
      this.group,
      this.consumer,
      PARKED_CONSUMER,
      this.handler,
      new Date().toISOString(),
    ];
    for (const entry of entries) {
      args.push(
        entry.entryId,
        entry.due,
        encodeRecord(entry.record),
        entry.deliveries === undefined ? "" : Math.max(0, entry.deliveries),
      );
    }
    const [refused, trimmed] = (await PARK.run(this.redis, this.scriptKeys(), args)) as [
      string[],
      string[],
    ];
    return { refused, trimmed };
  }

  /**
   * Take up to `count` parked entries that are due, for this consumer. `nextDue` is when
   * the next parked entry (of any consumer) is due, if there is one.
   */
  async takeDue(
    count: number,
  ): Promise<{ taken: TakenEntry[]; trimmed: string[]; nextDue: number | undefined }> {
    if (count <= 0) return { taken: [], trimmed: [], nextDue: undefined };
    const now = Date.now();
    const [rows, trimmed, next] = (await TAKE_DUE.run(this.redis, this.scriptKeys(), [
      this.group,
      this.consumer,
      now,
      count,
      this.handler,
      new Date(now).toISOString(),
    ])) as [[string, string[], number, string | null][], string[], string | null];
    const taken = rows.map(([id, fields, deliveries, record]) => ({
      entry: [id, fields] as RawEntry,
      deliveries: Number(deliveries),
      record: decodeRecord(record),
    }));
    return { taken, trimmed, nextDue: next === null ? undefined : Number(next) };
  }

  /** Those of `entryIds` pending with this consumer, though it holds none of them (see OWNED_UNSEEN). */
  async ownedUnseen(entryIds: readonly string[]): Promise<TakenEntry[]> {
    if (entryIds.length === 0) return [];
    const rows = (await OWNED_UNSEEN.run(
      this.redis,
      [this.keys.stream, this.keys.retryRecords],
      [this.group, this.consumer, ...entryIds],
    )) as [string, string[], number, string | null][];
    return rows.map(([id, fields, deliveries, record]) => ({
      entry: [id, fields] as RawEntry,
      deliveries: Number(deliveries),
      record: decodeRecord(record),
    }));
  }

  /** For each id, whether it is still parked (not yet taken by any consumer). */
  async stillParked(entryIds: readonly string[]): Promise<boolean[]> {
    if (entryIds.length === 0) return [];
    const scores = (await this.redis.call("ZMSCORE", this.keys.parked, ...entryIds)) as (
      | string
      | null
    )[];
    return scores.map((score) => score !== null);
  }

  private scriptKeys(): string[] {
    const { stream, parked, retryRecords, deadLetters, trimmed } = this.keys;
    return [stream, parked, retryRecords, deadLetters, trimmed];
  }
}
