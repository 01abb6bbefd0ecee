import { AdminBatchAbortedError } from "./errors.js";
import { isCluster, type RedisClient } from "./redis.js";

/** One command of a batch: its name, then its arguments. */
export type BatchCommand = readonly [name: string, ...args: (string | number)[]];

/** One reply of a batch: the command's error, or its result. */
export type BatchReply = [error: Error | null, result: unknown];

/**
 * Send many read commands in one round trip and collect every reply, errors included
 * (one missing stream must not fail the others). A standalone client gets one
 * `pipeline()`; a Cluster gets the commands issued together, because a Cluster
 * pipeline refuses keys of different slots and the partitions of a topic spread
 * over slots (the client's auto-pipelining still groups them per node).
 */
export async function batch(
  redis: RedisClient,
  commands: readonly BatchCommand[],
): Promise<BatchReply[]> {
  if (commands.length === 0) return [];
  if (isCluster(redis)) {
    return Promise.all(
      commands.map(([name, ...args]) =>
        redis.call(name, ...args).then(
          (result): BatchReply => [null, result],
          (error: unknown): BatchReply => [error as Error, undefined],
        ),
      ),
    );
  }
  // pipeline() takes the client's method names, which are the lower-case command names.
  const replies = await redis
    .pipeline(commands.map(([name, ...args]) => [name.toLowerCase(), ...args]))
    .exec();
  if (!replies) throw new AdminBatchAbortedError(commands.length);
  return replies as BatchReply[];
}

/** How many keys one SCAN call looks at: few round trips, no long block of Redis. */
const SCAN_COUNT = 1_000;

/**
 * Every key matching a glob pattern, by SCAN (never KEYS: it would block Redis on a
 * large keyspace). On a Cluster, each master is scanned, since each holds only its
 * slots' keys. A key written during the scan may or may not be seen.
 */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = isCluster(redis) ? redis.nodes("master") : [redis];
  const keys = new Set<string>();
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
      for (const key of found) keys.add(key);
      cursor = next;
    } while (cursor !== "0");
  }
  return [...keys];
}

/** Escape a literal for a Redis glob pattern (`*`, `?`, `[`, `]` and `\` are special). */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, "\\$&");
}

/** True for the error Redis gives for XINFO on a stream that does not exist. */
export function isNoSuchKey(error: Error | null): boolean {
  return error !== null && String(error.message).includes("no such key");
}

/** A RESP map reply given as a flat `[name, value, …]` list, as an object. */
export function flatToMap(flat: readonly unknown[]): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (let index = 0; index + 1 < flat.length; index += 2)
    map[String(flat[index])] = flat[index + 1];
  return map;
}
