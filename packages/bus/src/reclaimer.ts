import type { PartitionKeys } from "./keys.js";
import { LuaScript } from "./lua-script.js";
import { PARKED_CONSUMER, type TakenEntry } from "./parking.js";
import type { RedisClient } from "./redis.js";
import { decodeRecord } from "./retry-record.js";

export interface ReclaimedBatch {
  /** Entries taken over, each with its deliveries (this one included) and retry record. */
  entries: TakenEntry[];
  /**
   * Pending entries that trimming deleted from the stream before anyone handled them.
   * Those with a retry record were dead-lettered from it; the others are gone.
   */
  trimmed: { entryId: string; deadLettered: boolean }[];
}

/**
 * Takes over entries that consumers of the group left pending longer than the idle
 * threshold (a crashed, hung or frozen process), up to a count, walking each
 * consumer's own pending list — never the parked entries, which wait for their due
 * time on purpose. Each claim counts a delivery. An entry trimmed from the stream is
 * acknowledged (it cannot be delivered again) and dead-lettered if the group kept its
 * fields in a retry record. The consumers entries were taken from are noted in the
 * takeovers hash, so that their acks check ownership entry by entry until they have
 * checked their claims again.
 */
const RECLAIM = LuaScript.load(new URL("./reclaim-5.lua", import.meta.url));

/**
 * Takes over entries that other consumers of the group (or this one, in an earlier
 * life) left pending longer than the idle threshold.
 */
export class Reclaimer {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: PartitionKeys,
    private readonly group: string,
    private readonly consumer: string,
    private readonly minIdleMs: number,
    /** The handler's name, for dead letters written here. */
    private readonly handler: string,
  ) {}

  /** Claim up to `count` entries idle past the threshold. */
  async claim(count: number): Promise<ReclaimedBatch> {
    if (count <= 0) return { entries: [], trimmed: [] };
    const { stream, retryRecords, deadLetters, trimmed, takeovers } = this.keys;
    const [rows, gone] = (await RECLAIM.run(
      this.redis,
      [stream, retryRecords, deadLetters, trimmed, takeovers],
      [
        this.group,
        this.consumer,
        PARKED_CONSUMER,
        this.minIdleMs,
        count,
        this.handler,
        new Date().toISOString(),
      ],
    )) as [[string, string[], number, string | null][], [string, number][]];
    return {
      entries: rows.map(([id, fields, deliveries, record]) => ({
        entry: [id, fields],
        deliveries: Number(deliveries),
        record: decodeRecord(record),
      })),
      trimmed: gone.map(([entryId, deadLettered]) => ({
        entryId,
        deadLettered: Number(deadLettered) === 1,
      })),
    };
  }
}
