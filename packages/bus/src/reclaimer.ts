import type { RawEntry } from "./reader.js";
import type { RedisClient } from "./redis.js";

export interface ReclaimedBatch {
  entries: RawEntry[];
  /** Deliveries so far of each entry, this one included. */
  deliveryCounts: number[];
  /** Pending entries that trimming deleted from the stream before anyone handled them. */
  deletedIds: string[];
}

/**
 * Takes over entries that other consumers of the group left pending longer than the
 * idle threshold (a crashed or hung process). The `XAUTOCLAIM` cursor is kept across
 * calls, so each call continues where the last stopped instead of rescanning the
 * start of a long pending list.
 */
export class Reclaimer {
  private cursor = "0-0";

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly group: string,
    private readonly consumer: string,
    private readonly minIdleMs: number,
  ) {}

  /** Claim up to `count` entries idle past the threshold. */
  async claim(count: number): Promise<ReclaimedBatch> {
    const [next, claimed, deleted] = (await this.redis.call(
      "XAUTOCLAIM",
      this.stream,
      this.group,
      this.consumer,
      this.minIdleMs,
      this.cursor,
      "COUNT",
      count,
    )) as [string, RawEntry[], string[] | undefined];
    this.cursor = next;
    return {
      entries: claimed,
      deliveryCounts: await this.deliveryCounts(claimed.map(([id]) => id)),
      deletedIds: deleted ?? [],
    };
  }

  /** Deliveries so far of each entry (XAUTOCLAIM counted this one); one pipeline. */
  private async deliveryCounts(ids: string[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.xpending(this.stream, this.group, id, id, 1);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, reply]) => {
      const row = (reply as [string, string, number, number][] | undefined)?.[0];
      return error || !row ? 1 : Number(row[3]);
    });
  }
}
