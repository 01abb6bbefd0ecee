import { processedKey } from "./keys.js";
import type { RedisClient } from "./redis.js";

/**
 * Which event ids a consumer group has processed: a sorted set per group
 * (member = event id, score = when), trimmed by age. One round trip checks a whole
 * batch (`ZMSCORE`) and one records many (`ZADD`), so the check costs little.
 */
export class ProcessedEvents {
  readonly key: string;
  private lastTrim = 0;

  constructor(
    private readonly redis: RedisClient,
    group: string,
    private readonly ttlMs: number,
  ) {
    this.key = processedKey(group);
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

  /** Forget marks older than the TTL, at most once a minute per process. */
  private async trimNowAndThen(now: number): Promise<void> {
    if (now - this.lastTrim < 60_000) return;
    this.lastTrim = now;
    await this.redis.zremrangebyscore(this.key, "-inf", now - this.ttlMs);
  }
}
