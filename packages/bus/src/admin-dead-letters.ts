import type { Catalog } from "@retail/contracts";
import { type BatchCommand, batch } from "./admin-batch.js";
import { definitionOf, partitionStreams } from "./admin-streams.js";
import { type DeadLetter, parseDeadLetter, replayDeadLetter } from "./dead-letter.js";
import { deadLetterKey } from "./keys.js";
import type { RedisClient } from "./redis.js";

export interface DeadLetterQuery {
  /** Only this group's dead letters. Default: every group's, including groups since deleted. */
  group?: string;
  /** Only these dead-letter ids (for replay and purge). Default: all. */
  ids?: readonly string[];
  /** At most this many per partition and group, oldest first (for list). Default 100. */
  count?: number;
}

/** Where to look for dead letters by id. */
export interface DeadLetterScope {
  /** Only these topics. Default: every topic of the catalog. */
  topics?: readonly string[];
  /** Only this group's dead letters. Default: every group's, including groups since deleted. */
  group?: string;
}

/** One dead-letter stream: a partition of a topic, for one consumer group. */
export interface DeadLetterStream {
  topic: string;
  partition: number;
  group: string;
  key: string;
}

/** A full stream entry id (`<ms>-<seq>`): XRANGE would read a bare `<ms>` as a range. */
const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * The dead-letter streams of some topics that exist: each partition of each topic for
 * each group the catalog lists as its consumer (a group the catalog does not list can
 * never subscribe), asked with one `EXISTS` each, in one round trip. Derived rather
 * than found by `SCAN`, which no service user may send (it would list every key name).
 * A group deleted since keeps its dead letters visible while the catalog still lists it.
 * Sorted by topic (catalog order), partition and group.
 */
export async function deadLetterStreams(
  redis: RedisClient,
  catalog: Catalog,
  scope: DeadLetterScope = {},
): Promise<DeadLetterStream[]> {
  const topics = scope.topics ?? Object.keys(catalog);
  const candidates: DeadLetterStream[] = [];
  for (const topic of topics) {
    const definition = definitionOf(catalog, topic);
    const groups =
      scope.group !== undefined
        ? [scope.group]
        : [...new Set(definition.consumers as readonly string[])].sort();
    for (const { partition } of partitionStreams(definition)) {
      for (const group of groups)
        candidates.push({
          topic: definition.name,
          partition,
          group,
          key: deadLetterKey(definition.name, partition, group),
        });
    }
  }
  // With a group given, its keys are known: no need to ask which exist.
  if (scope.group !== undefined) return candidates;
  const replies = await batch(
    redis,
    candidates.map(({ key }) => ["EXISTS", key] as const),
  );
  return candidates.filter((_, index) => replies[index]?.[1] === 1);
}

/**
 * Dead letters of some topics, topic by topic, oldest first per partition and group:
 * one round trip after the scan.
 */
export async function listDeadLetters(
  redis: RedisClient,
  catalog: Catalog,
  topics: readonly string[],
  query: DeadLetterQuery = {},
): Promise<DeadLetter[]> {
  const streams = await deadLetterStreams(redis, catalog, scopeOf(topics, query));
  const replies = await batch(
    redis,
    streams.map(({ key }): BatchCommand => ["XRANGE", key, "-", "+", "COUNT", query.count ?? 100]),
  );
  const letters = streams.flatMap((stream, index) => parseRows(stream, replies[index]));
  return letters.filter((letter) => !query.ids || query.ids.includes(letter.id));
}

/**
 * Dead letters by id, across the scope's dead-letter streams, parsed as `list` parses
 * them. One id may name dead letters in several streams (ids are per stream, and
 * every group dead-letters a malformed entry in the same millisecond): all are
 * returned. Ids that are not stream ids (`<ms>-<seq>`) match nothing.
 */
export async function findDeadLetters(
  redis: RedisClient,
  catalog: Catalog,
  ids: readonly string[],
  scope: DeadLetterScope = {},
): Promise<DeadLetter[]> {
  const wanted = [...new Set(ids)].filter((id) => ENTRY_ID.test(id));
  if (wanted.length === 0) return [];
  const streams = await deadLetterStreams(redis, catalog, scope);
  const lookups = streams.flatMap((stream) => wanted.map((id) => ({ stream, id })));
  const replies = await batch(
    redis,
    lookups.map(({ stream, id }): BatchCommand => ["XRANGE", stream.key, id, id]),
  );
  return lookups.flatMap(({ stream }, index) => parseRows(stream, replies[index]));
}

/**
 * Put dead letters back on their topic for their group only, keeping their event ids.
 * Resolves to how many were replayed. Each replay is its own MULTI, in dead-letter order.
 */
export async function replayDeadLetters(
  redis: RedisClient,
  catalog: Catalog,
  topic: string,
  query: DeadLetterQuery = {},
): Promise<number> {
  const streams = await deadLetterStreams(redis, catalog, scopeOf([topic], query));
  const replies = await batch(
    redis,
    streams.map(({ key }): BatchCommand => ["XRANGE", key, "-", "+"]),
  );
  let replayed = 0;
  for (const [index, stream] of streams.entries()) {
    for (const letter of parseRows(stream, replies[index])) {
      if (query.ids && !query.ids.includes(letter.id)) continue;
      await replayDeadLetter(redis, stream.key, letter);
      replayed += 1;
    }
  }
  return replayed;
}

/** Delete dead letters for good. Resolves to how many were deleted. */
export async function purgeDeadLetters(
  redis: RedisClient,
  catalog: Catalog,
  topic: string,
  query: DeadLetterQuery = {},
): Promise<number> {
  const { ids } = query;
  if (ids?.length === 0) return 0;
  const streams = await deadLetterStreams(redis, catalog, scopeOf([topic], query));
  const commands = streams.flatMap(({ key }): BatchCommand[] =>
    ids
      ? [["XDEL", key, ...ids]]
      : [
          ["XLEN", key],
          ["DEL", key],
        ],
  );
  const replies = await batch(redis, commands);
  let purged = 0;
  // With ids, XDEL answers how many it deleted; without, XLEN counted what DEL removed.
  for (let index = 0; index < replies.length; index += ids ? 1 : 2) {
    const [error, value] = replies[index] ?? [null, 0];
    if (error) throw error;
    purged += Number(value);
  }
  const failed = replies.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return purged;
}

function scopeOf(topics: readonly string[], query: DeadLetterQuery): DeadLetterScope {
  return query.group === undefined ? { topics } : { topics, group: query.group };
}

function parseRows(
  stream: DeadLetterStream,
  reply: [Error | null, unknown] | undefined,
): DeadLetter[] {
  const [error, rows] = reply ?? [null, []];
  if (error) throw error;
  return (rows as [string, string[]][]).map(([id, fields]) =>
    parseDeadLetter(stream.topic, id, fields, stream.group),
  );
}
