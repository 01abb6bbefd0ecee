/**
 * Watches a topic's partition streams with plain `XREAD BLOCK` (no consumer group, so
 * the services' own groups are untouched) and reports each entry's partition key, which
 * for the shipment topics is the order id, with the time it arrived here.
 */
import { streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import { Redis } from "ioredis";

type Entry = [id: string, fields: string[] | null];
/** RESP2: `[[key, entries], …]`; RESP3 as ioredis maps it: `[key, entries, key, entries, …]`. */
type XreadReply = [string, Entry[]][] | (string | Entry[])[] | null;

/** The `[key, entries]` pairs of an `XREAD` reply, under either protocol. */
export function streamsOf(reply: XreadReply): [string, Entry[]][] {
  if (!reply || reply.length === 0) return [];
  if (typeof reply[0] === "string") {
    const flat = reply as (string | Entry[])[];
    const pairs: [string, Entry[]][] = [];
    for (let index = 0; index + 1 < flat.length; index += 2)
      pairs.push([flat[index] as string, (flat[index + 1] as Entry[] | null) ?? []]);
    return pairs;
  }
  return (reply as [string, Entry[]][]).map(([key, entries]) => [key, entries ?? []]);
}

/** The value of field `name` in a stream entry's `[name, value, …]` list. */
export function fieldOf(fields: readonly string[] | null, name: string): string | undefined {
  if (!fields) return undefined;
  for (let index = 0; index + 1 < fields.length; index += 2)
    if (fields[index] === name) return fields[index + 1];
  return undefined;
}

export interface StreamWatcher {
  stop(): Promise<void>;
}

/**
 * Start reading `topic` from its current end; `onEntry(partitionKey, arrivedAtMs)` runs
 * for every new entry, `arrivedAtMs` on `performance.now()`'s clock.
 */
export async function watchTopic(
  redisUrl: string,
  topic: "shipment.created",
  onEntry: (partitionKey: string, arrivedAtMs: number) => void,
): Promise<StreamWatcher> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const keys = Array.from({ length: partitionsOf(catalog[topic]) }, (_, partition) =>
    streamKey(topic, partition),
  );
  const ids = new Map<string, string>();
  for (const key of keys) {
    const last = (await redis.xrevrange(key, "+", "-", "COUNT", 1))[0];
    ids.set(key, last?.[0] ?? "0-0");
  }
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const reply = (await redis.call(
        "XREAD",
        "COUNT",
        1_000,
        "BLOCK",
        100,
        "STREAMS",
        ...keys,
        ...keys.map((key) => ids.get(key) ?? "0-0"),
      )) as XreadReply;
      const arrivedAt = performance.now();
      for (const [key, entries] of streamsOf(reply)) {
        for (const [id, fields] of entries) {
          ids.set(key, id);
          const partitionKey = fieldOf(fields, "partitionKey");
          if (partitionKey !== undefined) onEntry(partitionKey, arrivedAt);
        }
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      try {
        await loop;
      } finally {
        redis.disconnect();
      }
    },
  };
}
