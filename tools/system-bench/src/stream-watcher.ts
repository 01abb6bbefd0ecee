/**
 * Watches a topic's partition streams with plain `XREAD BLOCK` (no consumer group, so
 * the services' own groups are untouched) and reports each entry's partition key, which
 * for the shipment topics is the order id, with the time it arrived here.
 */
import { streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import { connectTo } from "@retail/testing";
import type { Cluster, Redis } from "ioredis";

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

type Client = Redis | Cluster;

/**
 * Start reading `topic` from its current end; `onEntry(partitionKey, arrivedAtMs)` runs
 * for every new entry, `arrivedAtMs` on `performance.now()`'s clock. `address` is a
 * `redis://` URL, or a cluster's `host:port,…` nodes: there each partition stream (a
 * hash tag, a slot of its own) gets its own `Cluster` client, since one `XREAD` cannot
 * span slots and blocking reads sharing a node's connection would wait on one another.
 */
export async function watchTopic(
  address: string,
  topic: "shipment.created",
  onEntry: (partitionKey: string, arrivedAtMs: number) => void,
): Promise<StreamWatcher> {
  const cluster = !address.includes("://");
  const keys = Array.from({ length: partitionsOf(catalog[topic]) }, (_, partition) =>
    streamKey(topic, partition),
  );
  const groups = cluster ? keys.map((key) => [key]) : [keys];
  const clients = groups.map(
    (): Client =>
      cluster
        ? connectTo(address, { redisOptions: { maxRetriesPerRequest: null } })
        : connectTo(address, { maxRetriesPerRequest: null }),
  );
  let stopping = false;
  try {
    const starts = await Promise.all(
      groups.map((group, index) => lastIds(clients[index] as Client, group)),
    );
    const loops = starts.map((ids, index) =>
      readLoop(clients[index] as Client, ids, onEntry, () => stopping),
    );
    return {
      async stop() {
        stopping = true;
        try {
          await Promise.all(loops);
        } finally {
          for (const client of clients) client.disconnect();
        }
      },
    };
  } catch (error) {
    for (const client of clients) client.disconnect();
    throw error;
  }
}

/** Each stream's newest id now, so reading starts after it. */
async function lastIds(client: Client, keys: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const key of keys) {
    const last = (await client.xrevrange(key, "+", "-", "COUNT", 1))[0];
    ids.set(key, last?.[0] ?? "0-0");
  }
  return ids;
}

async function readLoop(
  client: Client,
  ids: Map<string, string>,
  onEntry: (partitionKey: string, arrivedAtMs: number) => void,
  stopping: () => boolean,
): Promise<void> {
  const keys = [...ids.keys()];
  while (!stopping()) {
    const reply = (await client.call(
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
}
