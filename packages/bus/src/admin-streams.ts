import { type Catalog, partitionsOf, type TopicDefinition } from "@retail/contracts";
import {
  type BatchCommand,
  type BatchReply,
  batch,
  flatToMap,
  isNoSuchKey,
} from "./admin-batch.js";
import { UnknownTopicError } from "./errors.js";
import { streamKey } from "./keys.js";
import type { RedisClient } from "./redis.js";

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

/** One partition stream of a topic. */
export interface PartitionStream {
  topic: string;
  partition: number;
  stream: string;
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

/** The partition streams of several topics, topic by topic. */
export function streamsOf(catalog: Catalog, topics: readonly string[]): PartitionStream[] {
  return topics.flatMap((topic) =>
    partitionStreams(definitionOf(catalog, topic)).map((stream) => ({ topic, ...stream })),
  );
}

/** The command whose reply {@link topicsFrom} reads, one per partition stream. */
export function streamInfoCommand({ stream }: PartitionStream): BatchCommand {
  return ["XINFO", "STREAM", stream];
}

/** Length and first and last entries of the topics' streams: one round trip for all. */
export async function topicStats(
  redis: RedisClient,
  catalog: Catalog,
  topics: readonly string[],
): Promise<TopicStats[]> {
  const streams = streamsOf(catalog, topics);
  return topicsFrom(catalog, topics, streams, await batch(redis, streams.map(streamInfoCommand)));
}

/** The topics' stats from the replies to {@link streamInfoCommand} for `streams`, in order. */
export function topicsFrom(
  catalog: Catalog,
  topics: readonly string[],
  streams: readonly PartitionStream[],
  replies: readonly BatchReply[],
): TopicStats[] {
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

function streamInfo(reply: BatchReply | undefined): Omit<PartitionStats, "partition" | "stream"> {
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
