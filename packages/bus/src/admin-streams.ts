import { type Catalog, partitionsOf, type TopicDefinition } from "@retail/contracts";
import {
  type BatchCommand,
  type BatchReply,
  batch,
  flatToMap,
  isNoSuchKey,
} from "./admin-batch.js";
import { UnknownTopicError } from "./errors.js";
import { deadLetterKey, parkedKey, streamKey, trimmedKey } from "./keys.js";
import type { GroupLoad } from "./metrics.js";
import { PARKED_CONSUMER } from "./parking.js";
import { isNoGroupError, type RedisClient } from "./redis.js";

/** An entry's id and the time in it (the millisecond part of a stream id). */
export interface EntryPosition {
  id: string;
  at: string;
}

export interface PartitionStats {
  partition: number;
  stream: string;
  length: number;
  firstEntry?: EntryPosition | undefined;
  lastEntry?: EntryPosition | undefined;
}

export interface TopicStats {
  topic: string;
  publisher: string;
  /** Entries over all partitions. */
  length: number;
  firstEntry?: EntryPosition | undefined;
  lastEntry?: EntryPosition | undefined;
  partitions: PartitionStats[];
}

export interface ConsumerStats {
  name: string;
  pending: number;
  /** Milliseconds since the consumer last read or claimed (least over partitions). */
  idleMs: number;
}

export interface GroupStats {
  topic: string;
  group: string;
  consumers: ConsumerStats[];
  /** Delivered, not yet acknowledged (the parked entries included). */
  pending: number;
  /** Entries waiting to be retried, parked in Redis until due. */
  parked: number;
  /** Entries not yet delivered to the group; null when Redis cannot tell. */
  lag: number | null;
  /** Dead letters, kept until replayed or purged. */
  deadLetters: number;
  /** Entries trimmed from the streams before the group handled them (lost to it), as counted so far. */
  trimmed: number;
}

interface PartitionStream {
  topic: string;
  partition: number;
  stream: string;
}

interface GroupRow {
  name: string;
  pending: number;
  lag: number | null;
}

/** The partition streams of a topic. */
export function partitionStreams(
  definition: TopicDefinition,
): { partition: number; stream: string }[] {
  return Array.from({ length: partitionsOf(definition) }, (_, partition) => ({
    partition,
    stream: streamKey(definition.name, partition),
  }));
}

/** A topic's definition; `UnknownTopicError` when the catalog has no such topic. */
export function definitionOf(catalog: Catalog, topic: string): TopicDefinition {
  const definition = catalog[topic];
  if (!definition) throw new UnknownTopicError(topic);
  return definition;
}

function streamsOf(catalog: Catalog, topics: readonly string[]): PartitionStream[] {
  return topics.flatMap((topic) =>
    partitionStreams(definitionOf(catalog, topic)).map((stream) => ({ topic, ...stream })),
  );
}

/** Length and first and last entries of the topics' streams: one round trip for all. */
export async function topicStats(
  redis: RedisClient,
  catalog: Catalog,
  topics: readonly string[],
): Promise<TopicStats[]> {
  const streams = streamsOf(catalog, topics);
  const replies = await batch(
    redis,
    streams.map(({ stream }): BatchCommand => ["XINFO", "STREAM", stream]),
  );
  const partitions = streams.map(({ topic, partition, stream }, index) => ({
    topic,
    stats: { partition, stream, ...streamInfo(replies[index]) } as PartitionStats,
  }));
  return topics.map((name) => {
    const own = partitions.filter((row) => row.topic === name).map((row) => row.stats);
    const firsts = own.flatMap((partition) => (partition.firstEntry ? [partition.firstEntry] : []));
    const lasts = own.flatMap((partition) => (partition.lastEntry ? [partition.lastEntry] : []));
    return {
      topic: name,
      publisher: definitionOf(catalog, name).publisher,
      length: own.reduce((sum, partition) => sum + partition.length, 0),
      firstEntry: firsts.sort(byId)[0],
      lastEntry: lasts.sort(byId).at(-1),
      partitions: own,
    };
  });
}

/**
 * The consumer groups of the topics, merged over each topic's partitions, in topic
 * order: one round trip for the groups of every stream, one for their consumers and
 * dead-letter counts.
 */
export async function groupStats(
  redis: RedisClient,
  catalog: Catalog,
  topics: readonly string[],
): Promise<GroupStats[]> {
  const streams = streamsOf(catalog, topics);
  const rowsByStream = await groupRows(redis, streams);
  const pairs = streams.flatMap((stream, index) =>
    (rowsByStream[index] ?? []).map((row) => ({ ...stream, row })),
  );
  const replies = await batch(
    redis,
    pairs.flatMap(({ topic, partition, stream, row }): BatchCommand[] => [
      ["XINFO", "CONSUMERS", stream, row.name],
      ...countCommands(topic, partition, row.name),
    ]),
  );
  const byGroup = new Map<string, GroupStats>();
  const perPair = 1 + COUNT_COMMANDS;
  pairs.forEach(({ topic, row }, index) => {
    const key = `${topic}\u0000${row.name}`;
    const stats = byGroup.get(key) ?? {
      topic,
      group: row.name,
      consumers: [],
      pending: 0,
      parked: 0,
      lag: 0,
      deadLetters: 0,
      trimmed: 0,
    };
    const counts = countsOf(replies.slice(perPair * index + 1, perPair * (index + 1)));
    stats.pending += row.pending;
    stats.parked += counts.parked;
    stats.lag = stats.lag === null || row.lag === null ? null : stats.lag + lagOf(row, counts);
    stats.deadLetters += counts.deadLetters;
    stats.trimmed += counts.trimmedUnread + counts.trimmedPending;
    mergeConsumers(
      stats.consumers,
      consumerRows(replies[perPair * index]).filter(
        (consumer) => consumer.name !== PARKED_CONSUMER,
      ),
    );
    byGroup.set(key, stats);
  });
  return [...byGroup.values()];
}

/** Pending, lag, parked entries and dead letters of the given subscriptions (what the metrics report). */
export async function groupLoad(
  redis: RedisClient,
  catalog: Catalog,
  subscriptions: readonly { topic: string; group: string }[],
): Promise<GroupLoad[]> {
  const topics = [...new Set(subscriptions.map(({ topic }) => topic))];
  const streams = streamsOf(catalog, topics);
  const rowsByStream = await groupRows(redis, streams);
  const pairs = subscriptions.flatMap(({ topic, group }) =>
    streams.flatMap((stream, index) => {
      if (stream.topic !== topic) return [];
      const row = rowsByStream[index]?.find((candidate) => candidate.name === group);
      return row ? [{ topic, group, partition: stream.partition, row }] : [];
    }),
  );
  const replies = await batch(
    redis,
    pairs.flatMap(({ topic, partition, group }) => countCommands(topic, partition, group)),
  );
  return subscriptions.map(({ topic, group }) => {
    const load: GroupLoad = { topic, group, pending: 0, lag: 0, parked: 0, deadLetters: 0 };
    pairs.forEach((pair, index) => {
      if (pair.topic !== topic || pair.group !== group) return;
      const counts = countsOf(replies.slice(COUNT_COMMANDS * index, COUNT_COMMANDS * (index + 1)));
      load.pending += pair.row.pending;
      load.lag += lagOf(pair.row, counts);
      load.parked += counts.parked;
      load.deadLetters += counts.deadLetters;
    });
    return load;
  });
}

/** How many replies {@link countCommands} asks for. */
const COUNT_COMMANDS = 3;

/** The counts a group keeps per partition besides its XINFO row: dead letters, parked, trimmed. */
function countCommands(topic: string, partition: number, group: string): BatchCommand[] {
  return [
    ["XLEN", deadLetterKey(topic, partition, group)],
    ["ZCARD", parkedKey(topic, partition, group)],
    ["HMGET", trimmedKey(topic, partition, group), "unread", "pending"],
  ];
}

interface PartitionCounts {
  deadLetters: number;
  parked: number;
  trimmedUnread: number;
  trimmedPending: number;
}

function countsOf(replies: readonly BatchReply[]): PartitionCounts {
  const [trimmedUnread, trimmedPending] = (result(replies[2]) ?? []) as (string | null)[];
  return {
    deadLetters: Number(result(replies[0]) ?? 0),
    parked: Number(result(replies[1]) ?? 0),
    trimmedUnread: Number(trimmedUnread ?? 0),
    trimmedPending: Number(trimmedPending ?? 0),
  };
}

/**
 * Redis 7 counts entries trimmed before the group read them into its lag for good
 * (see trim-watch.ts); what is left to deliver is the lag without them.
 */
function lagOf(row: GroupRow, counts: PartitionCounts): number {
  return Math.max(0, (row.lag ?? 0) - counts.trimmedUnread);
}

async function groupRows(
  redis: RedisClient,
  streams: readonly PartitionStream[],
): Promise<GroupRow[][]> {
  const replies = await batch(
    redis,
    streams.map(({ stream }): BatchCommand => ["XINFO", "GROUPS", stream]),
  );
  return replies.map(([error, rows]) => {
    if (isNoSuchKey(error)) return [];
    if (error) throw error;
    return (rows as unknown[][]).map((row) => {
      const info = flatToMap(row);
      return {
        name: String(info.name),
        pending: Number(info.pending ?? 0),
        lag: info.lag === null || info.lag === undefined ? null : Number(info.lag),
      };
    });
  });
}

function streamInfo(
  reply: [Error | null, unknown] | undefined,
): Omit<PartitionStats, "partition" | "stream"> {
  const [error, flat] = reply ?? [null, []];
  if (isNoSuchKey(error)) return { length: 0 };
  if (error) throw error;
  const info = flatToMap(flat as unknown[]);
  return {
    length: Number(info.length ?? 0),
    firstEntry: position(info["first-entry"]),
    lastEntry: position(info["last-entry"]),
  };
}

function consumerRows(reply: [Error | null, unknown] | undefined): ConsumerStats[] {
  const [error, rows] = reply ?? [null, []];
  // The group (or its stream) went away between the two round trips: no consumers left.
  if (error && (isNoGroupError(error) || isNoSuchKey(error))) return [];
  if (error) throw error;
  return (rows as unknown[][]).map((row) => {
    const info = flatToMap(row);
    return {
      name: String(info.name),
      pending: Number(info.pending ?? 0),
      idleMs: Number(info.idle ?? 0),
    };
  });
}

function result(reply: [Error | null, unknown] | undefined): unknown {
  const [error, value] = reply ?? [null, undefined];
  if (error) throw error;
  return value;
}

function position(entry: unknown): EntryPosition | undefined {
  if (!Array.isArray(entry) || typeof entry[0] !== "string") return undefined;
  const id = entry[0];
  return { id, at: new Date(Number(id.split("-")[0])).toISOString() };
}

function byId(left: EntryPosition, right: EntryPosition): number {
  const [leftMs = 0, leftSeq = 0] = left.id.split("-").map(Number);
  const [rightMs = 0, rightSeq = 0] = right.id.split("-").map(Number);
  return leftMs - rightMs || leftSeq - rightSeq;
}

function mergeConsumers(into: ConsumerStats[], rows: ConsumerStats[]): void {
  for (const row of rows) {
    const existing = into.find((consumer) => consumer.name === row.name);
    if (!existing) into.push({ ...row });
    else {
      existing.pending += row.pending;
      existing.idleMs = Math.min(existing.idleMs, row.idleMs);
    }
  }
}
