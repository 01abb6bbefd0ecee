import { type Catalog, partitionsOf, type TopicDefinition } from "@retail/contracts";
import { type DeadLetter, parseDeadLetter, replayDeadLetter } from "./dead-letter.js";
import { UnknownTopicError } from "./errors.js";
import { deadLetterKey, streamKey } from "./keys.js";
import type { GroupLoad } from "./metrics.js";
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
  /** Delivered, not yet acknowledged. */
  pending: number;
  /** Entries not yet delivered to the group; null when Redis cannot tell (after trimming past the group). */
  lag: number | null;
  deadLetters: number;
}

export interface DeadLetterQuery {
  /** Only this group's dead letters. Default: every group of the topic. */
  group?: string;
  /** Only these dead-letter ids (for replay and purge). Default: all. */
  ids?: readonly string[];
  /** At most this many per partition and group, oldest first (for list). Default 100. */
  count?: number;
}

/**
 * Read-mostly views of the bus for operators: streams, groups, dead letters. Replay
 * and purge are the only writes.
 */
export class BusAdmin {
  constructor(
    private readonly redis: RedisClient,
    private readonly catalog: Catalog,
  ) {}

  /** Every topic of the catalog. */
  async topics(): Promise<TopicStats[]> {
    return Promise.all(Object.keys(this.catalog).map((name) => this.topic(name)));
  }

  async topic(name: string): Promise<TopicStats> {
    const definition = this.definition(name);
    const partitions = await Promise.all(
      partitionStreams(definition).map(async ({ partition, stream }) => ({
        partition,
        stream,
        ...(await this.streamInfo(stream)),
      })),
    );
    const firsts = partitions.flatMap((partition) =>
      partition.firstEntry ? [partition.firstEntry] : [],
    );
    const lasts = partitions.flatMap((partition) =>
      partition.lastEntry ? [partition.lastEntry] : [],
    );
    return {
      topic: name,
      publisher: definition.publisher,
      length: partitions.reduce((sum, partition) => sum + partition.length, 0),
      firstEntry: firsts.sort(byId)[0],
      lastEntry: lasts.sort(byId).at(-1),
      partitions,
    };
  }

  /** The consumer groups reading a topic, merged over its partitions. */
  async groups(topic: string): Promise<GroupStats[]> {
    const definition = this.definition(topic);
    const byGroup = new Map<string, GroupStats>();
    for (const { partition, stream } of partitionStreams(definition)) {
      for (const row of await this.groupRows(stream)) {
        const stats = byGroup.get(row.name) ?? {
          topic,
          group: row.name,
          consumers: [],
          pending: 0,
          lag: 0,
          deadLetters: 0,
        };
        stats.pending += row.pending;
        stats.lag = stats.lag === null || row.lag === null ? null : stats.lag + row.lag;
        stats.deadLetters += Number(
          await this.redis.xlen(deadLetterKey(topic, partition, row.name)),
        );
        mergeConsumers(stats.consumers, await this.consumerRows(stream, row.name));
        byGroup.set(row.name, stats);
      }
    }
    return [...byGroup.values()];
  }

  /** Pending and lag of the given subscriptions (what the metrics report). */
  async groupLoad(
    subscriptions: readonly { topic: string; group: string }[],
  ): Promise<GroupLoad[]> {
    const rows: GroupLoad[] = [];
    for (const { topic, group } of subscriptions) {
      let pending = 0;
      let lag = 0;
      for (const { stream } of partitionStreams(this.definition(topic))) {
        const row = (await this.groupRows(stream)).find((candidate) => candidate.name === group);
        pending += row?.pending ?? 0;
        lag += row?.lag ?? 0;
      }
      rows.push({ topic, group, pending, lag });
    }
    return rows;
  }

  /** Dead letters of a topic, oldest first per partition and group. */
  async listDeadLetters(topic: string, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const key of await this.deadLetterKeys(topic, query.group)) {
      const rows = (await this.redis.xrange(key, "-", "+", "COUNT", query.count ?? 100)) as [
        string,
        string[],
      ][];
      letters.push(...rows.map(([id, fields]) => parseDeadLetter(topic, id, fields)));
    }
    return letters.filter((letter) => !query.ids || query.ids.includes(letter.id));
  }

  /**
   * Put dead letters back on their topic for their group only, keeping their event ids.
   * Resolves to how many were replayed.
   */
  async replayDeadLetters(topic: string, query: DeadLetterQuery = {}): Promise<number> {
    let replayed = 0;
    for (const key of await this.deadLetterKeys(topic, query.group)) {
      const rows = (await this.redis.xrange(key, "-", "+")) as [string, string[]][];
      for (const [id, fields] of rows) {
        if (query.ids && !query.ids.includes(id)) continue;
        await replayDeadLetter(this.redis, key, parseDeadLetter(topic, id, fields));
        replayed += 1;
      }
    }
    return replayed;
  }

  /** Delete dead letters for good. Resolves to how many were deleted. */
  async purgeDeadLetters(topic: string, query: DeadLetterQuery = {}): Promise<number> {
    let purged = 0;
    for (const key of await this.deadLetterKeys(topic, query.group)) {
      if (query.ids) {
        if (query.ids.length > 0) purged += Number(await this.redis.xdel(key, ...query.ids));
      } else {
        purged += Number(await this.redis.xlen(key));
        await this.redis.del(key);
      }
    }
    return purged;
  }

  private definition(topic: string): TopicDefinition {
    const definition = this.catalog[topic];
    if (!definition) throw new UnknownTopicError(topic);
    return definition;
  }

  private async deadLetterKeys(topic: string, group: string | undefined): Promise<string[]> {
    const keys: string[] = [];
    for (const { partition, stream } of partitionStreams(this.definition(topic))) {
      const groups = group ? [group] : (await this.groupRows(stream)).map((row) => row.name);
      for (const name of groups) keys.push(deadLetterKey(topic, partition, name));
    }
    return keys;
  }

  private async streamInfo(stream: string): Promise<Omit<PartitionStats, "partition" | "stream">> {
    try {
      const info = flatToMap((await this.redis.xinfo("STREAM", stream)) as unknown[]);
      return {
        length: Number(info.length ?? 0),
        firstEntry: position(info["first-entry"]),
        lastEntry: position(info["last-entry"]),
      };
    } catch (error) {
      if (String((error as Error).message).includes("no such key")) return { length: 0 };
      throw error;
    }
  }

  private async groupRows(
    stream: string,
  ): Promise<{ name: string; pending: number; lag: number | null }[]> {
    try {
      const rows = (await this.redis.xinfo("GROUPS", stream)) as unknown[][];
      return rows.map((row) => {
        const info = flatToMap(row);
        return {
          name: String(info.name),
          pending: Number(info.pending ?? 0),
          lag: info.lag === null || info.lag === undefined ? null : Number(info.lag),
        };
      });
    } catch (error) {
      if (String((error as Error).message).includes("no such key")) return [];
      throw error;
    }
  }

  private async consumerRows(stream: string, group: string): Promise<ConsumerStats[]> {
    const rows = (await this.redis.xinfo("CONSUMERS", stream, group)) as unknown[][];
    return rows.map((row) => {
      const info = flatToMap(row);
      return {
        name: String(info.name),
        pending: Number(info.pending ?? 0),
        idleMs: Number(info.idle ?? 0),
      };
    });
  }
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

function flatToMap(flat: readonly unknown[]): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (let index = 0; index + 1 < flat.length; index += 2)
    map[String(flat[index])] = flat[index + 1];
  return map;
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
