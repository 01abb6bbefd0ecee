import { type Cluster, Command } from "ioredis";
import { AdminBatchAbortedError } from "./errors.js";
import { isCluster, type RedisClient } from "./redis.js";

/** One command of a batch: its name, then its arguments. */
export type BatchCommand = readonly [name: string, ...args: (string | number)[]];

/** One reply of a batch: the command's error, or its result. */
export type BatchReply = [error: Error | null, result: unknown];

/**
 * Send many read commands in one round trip and collect every reply, errors included
 * (one missing stream must not fail the others). A standalone client gets one
 * `pipeline()`. A Cluster refuses a pipeline whose keys live on different nodes, and
 * the partitions of a topic spread over the masters: it gets one pipeline per node,
 * all sent at once, so the batch still takes one round trip.
 */
export async function batch(
  redis: RedisClient,
  commands: readonly BatchCommand[],
): Promise<BatchReply[]> {
  if (commands.length === 0) return [];
  if (isCluster(redis)) return clusterBatch(redis, commands);
  return pipelined(redis, commands);
}

async function pipelined(
  redis: RedisClient,
  commands: readonly BatchCommand[],
): Promise<BatchReply[]> {
  // pipeline() takes the client's method names, which are the lower-case command names.
  const replies = await redis
    .pipeline(commands.map(([name, ...args]) => [name.toLowerCase(), ...args]))
    .exec();
  if (!replies) throw new AdminBatchAbortedError(commands.length);
  return replies as BatchReply[];
}

async function clusterBatch(
  redis: Cluster,
  commands: readonly BatchCommand[],
): Promise<BatchReply[]> {
  await slotMapOf(redis);
  // Grouped as ioredis checks a cluster pipeline: by the nodes serving each key's slot.
  const groups = new Map<string, number[]>();
  commands.forEach(([name, ...args], index) => {
    const slot = new Command(name.toLowerCase(), args).getSlot();
    const node = slot === null ? "any" : (redis.slots[slot]?.join(",") ?? `slot ${slot}`);
    groups.set(node, [...(groups.get(node) ?? []), index]);
  });
  const replies: BatchReply[] = new Array(commands.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const groupReplies = await pipelined(
        redis,
        indexes.map((index) => commands[index] as BatchCommand),
      );
      indexes.forEach((index, position) => {
        replies[index] = groupReplies[position] as BatchReply;
      });
    }),
  );
  return replies;
}

/** Resolves once the client knows which node serves which slot (it learns it on connecting). */
function slotMapOf(redis: Cluster): Promise<void> {
  if (redis.slots.length > 0) return Promise.resolve();
  if (redis.status === "wait") redis.connect().catch(() => {});
  return new Promise((resolve, reject) =>
    redis.delayUntilReady((error) => (error ? reject(error) : resolve())),
  );
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
