import { batch } from "./admin-batch.js";
import { processedKey } from "./keys.js";
import type { RedisClient } from "./redis.js";

/**
 * Which event ids a consumer group has processed: a sorted set per group
 * (member = event id, score = when), trimmed by age. One round trip checks a whole
 * batch (`ZMSCORE`) and one records many (`ZADD`), so the check costs little.
 *
 * A mark is never trimmed while an entry it may guard is still pending in the group:
 * an entry whose handler committed its mark but whose process died before the
 * acknowledgement comes back when reclaimed, however long that takes, and must find
 * its mark. So trimming stops short of the oldest pending entry of the group's
 * streams (a mark is written after its entry was appended, so it is never older).
 */
export class ProcessedEvents {
  readonly key: string;
  private lastTrim = 0;
  private readonly trimEveryMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly group: string,
    service: string,
    private readonly ttlMs: number,
    /** The partition streams the group consumes, whose pending entries fence the trimming. */
    private readonly streams: () => readonly string[],
  ) {
    this.key = processedKey(group, service);
    this.trimEveryMs = Math.min(60_000, ttlMs);
  }

  /** For each id, whether the group has processed it. */
  async seen(ids: readonly string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const scores = (await this.redis.call("ZMSCORE", this.key, ...ids)) as (string | null)[];
    return scores.map((score) => score !== null);
  }

  /** Record ids as processed (no-op for ids already recorded). */
  async mark(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const now = Date.now();
    const args: (string | number)[] = [];
    for (const id of ids) args.push(now, id);
    await this.redis.zadd(this.key, "NX", ...args);
    await this.trimNowAndThen(now);
  }

  /** Forget marks older than the TTL and than the oldest pending entry, at most once a TTL (or minute). */
  private async trimNowAndThen(now: number): Promise<void> {
    if (now - this.lastTrim < this.trimEveryMs) return;
    this.lastTrim = now;
    const oldestPending = await this.oldestPendingMs();
    const before = Math.min(now - this.ttlMs, oldestPending);
    await this.redis.zremrangebyscore(this.key, "-inf", `(${before}`);
  }

  /** When the oldest entry still pending in the group was appended (epoch ms); +∞ if none. */
  private async oldestPendingMs(): Promise<number> {
    const replies = await batch(
      this.redis,
      this.streams().map((stream) => ["XPENDING", stream, this.group] as const),
    );
    let oldest = Number.POSITIVE_INFINITY;
    for (const [error, summary] of replies) {
      if (error) {
        // A stream or group that does not exist holds nothing pending.
        if (/^(NOGROUP|ERR no such key)/.test(error.message)) continue;
        throw error;
      }
      const smallest = (summary as [number, string | null])[1];
      if (smallest) oldest = Math.min(oldest, Number(smallest.split("-")[0]));
    }
    return oldest;
  }
}
