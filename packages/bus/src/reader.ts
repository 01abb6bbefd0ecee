import type { RedisClient } from "./redis.js";

/** A stream entry as Redis returns it, `[id, fields]`; fields are null for an entry deleted by trimming. */
export type RawEntry = [id: string, fields: string[] | null];

/** The `XGROUP CREATE` start id for a subscription's `startFrom`. */
export function startId(startFrom: "new" | "beginning" | Date): string {
  if (startFrom === "new") return "$";
  if (startFrom === "beginning") return "0";
  return `${startFrom.getTime()}-0`;
}

/**
 * Create the consumer group (and the stream, `MKSTREAM`) unless it exists. Resolves to
 * true when it was created now.
 */
export async function ensureGroup(
  redis: RedisClient,
  stream: string,
  group: string,
  start: string,
): Promise<boolean> {
  try {
    await redis.xgroup("CREATE", stream, group, start, "MKSTREAM");
    return true;
  } catch (error) {
    if (String((error as Error).message).startsWith("BUSYGROUP")) return false;
    throw error;
  }
}

/**
 * Read up to `count` new entries for this consumer, blocking up to `blockMs` when
 * there are none. Must run on a connection of its own: a blocked connection cannot
 * carry anyone else's commands.
 */
export function readNew(
  blocking: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  count: number,
  blockMs: number,
): Promise<RawEntry[]> {
  return readGroup(blocking, group, consumer, ["COUNT", count, "BLOCK", blockMs], stream, ">");
}

/**
 * Read this consumer's own pending entries after `afterId` (its history, `XREADGROUP`
 * with an id instead of `>`), without blocking. After a read whose reply was lost (the
 * connection dropped), Redis may have delivered entries this consumer never saw:
 * reading its history first hands them over in stream order, before newer ones.
 */
export function readOwnPending(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  count: number,
  afterId: string,
): Promise<RawEntry[]> {
  return readGroup(redis, group, consumer, ["COUNT", count], stream, afterId);
}

async function readGroup(
  redis: RedisClient,
  group: string,
  consumer: string,
  options: (string | number)[],
  stream: string,
  from: string,
): Promise<RawEntry[]> {
  const reply = (await redis.call(
    "XREADGROUP",
    "GROUP",
    group,
    consumer,
    ...options,
    "STREAMS",
    stream,
    from,
  )) as StreamsReply;
  return entriesOf(reply);
}

type Entries = RawEntry[];
/** RESP2: `[[key, entries]]`; RESP3 (ioredis "legacy" mapping of a map): `[key, entries]`. */
type StreamsReply = [string, Entries][] | [string, Entries] | null;

/** The entries of a one-stream XREAD/XREADGROUP reply, under either protocol. */
export function entriesOf(reply: StreamsReply): Entries {
  if (!reply || reply.length === 0) return [];
  if (typeof reply[0] === "string") return (reply as [string, Entries])[1] ?? [];
  return (reply as [string, Entries][])[0]?.[1] ?? [];
}
