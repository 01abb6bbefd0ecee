/**
 * What Redis holds: `used_memory`, the total length of the event streams, and at the end
 * a breakdown of the keys by kind, to say where the memory per order goes.
 */
import { streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import { redisInfo } from "@retail/testing/bench-report";
import type { Redis } from "ioredis";

export async function usedMemory(redis: Redis): Promise<number> {
  return Number((await redisInfo(redis, "memory")).used_memory);
}

/** Entries in every partition stream of every topic of the catalog. */
export async function totalStreamLength(redis: Redis): Promise<number> {
  const pipeline = redis.pipeline();
  for (const topic of Object.values(catalog))
    for (let partition = 0; partition < partitionsOf(topic); partition++)
      pipeline.xlen(streamKey(topic.name, partition));
  const replies = (await pipeline.exec()) ?? [];
  return replies.reduce((sum, [, length]) => sum + Number(length ?? 0), 0);
}

/** The kind of a key: its name with the per-entity id replaced by `*`. */
export function keyKind(key: string): string {
  if (key.startsWith("stream:")) return "stream:* (event streams)";
  if (key.startsWith("processed:")) return "processed:* (handled-event marks)";
  if (key.startsWith("dead:")) return "dead:* (dead letters)";
  const match = /^(\{[^}]+\}:[^:]+):.+$/.exec(key);
  return match ? `${match[1]}:*` : key;
}

export interface KeyKind {
  kind: string;
  keys: number;
  /** Estimated: the mean `MEMORY USAGE` of up to `SAMPLE` keys × the key count. */
  bytes: number;
}

const SAMPLE = 200;

/** Every key by kind, largest first (a full `SCAN`: run it once, at the end). */
export async function keyBreakdown(redis: Redis): Promise<KeyKind[]> {
  const kinds = new Map<string, { keys: number; sample: string[] }>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "COUNT", 2_000);
    cursor = next;
    for (const key of keys) {
      const kind = keyKind(key);
      const entry = kinds.get(kind) ?? { keys: 0, sample: [] };
      entry.keys++;
      if (entry.sample.length < SAMPLE) entry.sample.push(key);
      kinds.set(kind, entry);
    }
  } while (cursor !== "0");
  const result: KeyKind[] = [];
  for (const [kind, { keys, sample }] of kinds) {
    const pipeline = redis.pipeline();
    for (const key of sample) pipeline.memory("USAGE", key, "SAMPLES", "0");
    const sizes = ((await pipeline.exec()) ?? []).map(([, bytes]) => Number(bytes ?? 0));
    const mean = sizes.reduce((sum, size) => sum + size, 0) / Math.max(1, sizes.length);
    result.push({ kind, keys, bytes: mean * keys });
  }
  return result.sort((a, b) => b.bytes - a.bytes);
}
