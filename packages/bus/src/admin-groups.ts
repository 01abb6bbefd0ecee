import type { Catalog } from "@retail/contracts";
import {
  type BatchCommand,
  type BatchReply,
  batch,
  flatToMap,
  isNoSuchKey,
} from "./admin-batch.js";
import {
  definitionOf,
  type PartitionStream,
  streamInfoCommand,
  streamsOf,
  type TopicStats,
  topicsFrom,
} from "./admin-streams.js";
import { deadLetterKey, parkedKey, trimmedKey } from "./keys.js";
import type { GroupLoad } from "./metrics.js";
import { PARKED_CONSUMER } from "./parking.js";
import { isNoGroupError, type RedisClient } from "./redis.js";

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

/** Every topic's streams and every group's load, read together. */
export interface BusOverview {
  topics: TopicStats[];
  groups: GroupStats[];
}

/** One consumer group's share of one partition stream. */
interface GroupPartition extends PartitionStream {
  group: string;
}

/** A group as `XINFO GROUPS` lists it. */
interface GroupRow {
  name: string;
  pending: number;
  lag: number | null;
}

/** The topics' streams and groups in one round trip (see {@link groupStats}). */
export async function overview(
  redis: RedisClient,
  catalog: Catalog,
  topics: readonly string[],
): Promise<BusOverview> {
  const streams = streamsOf(catalog, topics);
  const { groups, alongside } = await readGroups(
    redis,
    catalog,
    streams,
    streams.map(streamInfoCommand),
  );
  return { topics: topicsFrom(catalog, topics, streams, alongside), groups };
}

/**
 * The consumer groups of the topics, merged over each topic's partitions, in topic
 * order. One round trip reads every stream's groups together with, for each group
 * the catalog names as a consumer of the topic, its consumers, dead letters, parked
 * entries and trim counts. In a running system the groups are the catalog's, so that
 * is all; a group the catalog does not name (a test's, an operator's) costs a second
 * round trip, for such groups only.
 */
export async function groupStats(
  redis: RedisClient,
  catalog: Catalog,
  topics: readonly string[],
): Promise<GroupStats[]> {
  return (await readGroups(redis, catalog, streamsOf(catalog, topics))).groups;
}

/**
 * {@link groupStats} of the given streams, and the replies to `alongside`: commands sent
 * in the same first round trip.
 */
async function readGroups(
  redis: RedisClient,
  catalog: Catalog,
  streams: readonly PartitionStream[],
  alongside: readonly BatchCommand[] = [],
): Promise<{ groups: GroupStats[]; alongside: BatchReply[] }> {
  const expected = streams.flatMap((stream): GroupPartition[] =>
    definitionOf(catalog, stream.topic).consumers.map((group) => ({ ...stream, group })),
  );
  const replies = await batch(redis, [
    ...alongside,
    ...streams.map(groupsCommand),
    ...expected.flatMap(groupCommands),
  ]);
  const groupsFrom = alongside.length + streams.length;
  const found = streams.flatMap((stream, index) =>
    groupRowsOf(replies[alongside.length + index]).map((row) => ({
      ...stream,
      group: row.name,
      row,
    })),
  );
  const repliesOf = new Map<string, BatchReply[]>();
  const keep = (pairs: readonly GroupPartition[], from: readonly BatchReply[], offset: number) =>
    pairs.forEach((pair, index) => {
      const start = offset + GROUP_COMMANDS * index;
      repliesOf.set(pairKey(pair), from.slice(start, start + GROUP_COMMANDS));
    });
  keep(expected, replies, groupsFrom);
  const unexpected = found.filter((pair) => !repliesOf.has(pairKey(pair)));
  keep(unexpected, await batch(redis, unexpected.flatMap(groupCommands)), 0);

  const byGroup = new Map<string, GroupStats>();
  for (const pair of found) {
    const { topic, group, row } = pair;
    const key = `${topic}\u0000${group}`;
    const stats = byGroup.get(key) ?? emptyStats(topic, group);
    const [consumers, ...countReplies] = repliesOf.get(pairKey(pair)) ?? [];
    const counts = countsOf(countReplies);
    stats.pending += row.pending;
    stats.parked += counts.parked;
    stats.lag = stats.lag === null || row.lag === null ? null : stats.lag + lagOf(row, counts);
    stats.deadLetters += counts.deadLetters;
    stats.trimmed += counts.trimmedUnread + counts.trimmedPending;
    mergeConsumers(
      stats.consumers,
      consumerRows(consumers).filter((consumer) => consumer.name !== PARKED_CONSUMER),
    );
    byGroup.set(key, stats);
  }
  return { groups: [...byGroup.values()], alongside: replies.slice(0, alongside.length) };
}

/**
 * Pending, lag, parked entries and dead letters of the given subscriptions (what the
 * metrics report), in one round trip: their groups are known, so their counts go out
 * with the streams' `XINFO GROUPS`. A group missing from a partition counts nothing there.
 */
export async function groupLoad(
  redis: RedisClient,
  catalog: Catalog,
  subscriptions: readonly { topic: string; group: string }[],
): Promise<GroupLoad[]> {
  const streams = streamsOf(catalog, [...new Set(subscriptions.map(({ topic }) => topic))]);
  const pairs = subscriptions.flatMap(({ topic, group }) =>
    streams.filter((stream) => stream.topic === topic).map((stream) => ({ ...stream, group })),
  );
  const replies = await batch(redis, [
    ...streams.map(groupsCommand),
    ...pairs.flatMap(countCommands),
  ]);
  const rowsOf = new Map(streams.map(({ stream }, index) => [stream, groupRowsOf(replies[index])]));
  return subscriptions.map(({ topic, group }) => {
    const load: GroupLoad = { topic, group, pending: 0, lag: 0, parked: 0, deadLetters: 0 };
    pairs.forEach((pair, index) => {
      if (pair.topic !== topic || pair.group !== group) return;
      const row = rowsOf.get(pair.stream)?.find((candidate) => candidate.name === group);
      if (!row) return;
      const start = streams.length + COUNT_COMMANDS * index;
      const counts = countsOf(replies.slice(start, start + COUNT_COMMANDS));
      load.pending += row.pending;
      load.lag += lagOf(row, counts);
      load.parked += counts.parked;
      load.deadLetters += counts.deadLetters;
    });
    return load;
  });
}

function pairKey({ stream, group }: GroupPartition): string {
  return `${stream}\u0000${group}`;
}

function emptyStats(topic: string, group: string): GroupStats {
  return {
    topic,
    group,
    consumers: [],
    pending: 0,
    parked: 0,
    lag: 0,
    deadLetters: 0,
    trimmed: 0,
  };
}

function groupsCommand({ stream }: PartitionStream): BatchCommand {
  return ["XINFO", "GROUPS", stream];
}

/** How many replies {@link groupCommands} asks for. */
const GROUP_COMMANDS = 4;

/** A group's consumers in a partition, then its {@link countCommands}. */
function groupCommands(pair: GroupPartition): BatchCommand[] {
  return [["XINFO", "CONSUMERS", pair.stream, pair.group], ...countCommands(pair)];
}

/** How many replies {@link countCommands} asks for. */
const COUNT_COMMANDS = 3;

/** The counts a group keeps per partition besides its XINFO row: dead letters, parked, trimmed. */
function countCommands({ topic, partition, group }: GroupPartition): BatchCommand[] {
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

function groupRowsOf(reply: BatchReply | undefined): GroupRow[] {
  const [error, rows] = reply ?? [null, []];
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
}

function consumerRows(reply: BatchReply | undefined): ConsumerStats[] {
  const [error, rows] = reply ?? [null, []];
  // The group (or its stream) went away before its consumers were read: none left.
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

function result(reply: BatchReply | undefined): unknown {
  const [error, value] = reply ?? [null, undefined];
  if (error) throw error;
  return value;
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
