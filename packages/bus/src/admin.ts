import type { Catalog } from "@retail/contracts";
import {
  type DeadLetterQuery,
  type DeadLetterScope,
  type DeadLetterStream,
  deadLetterStreams,
  findDeadLetters,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
} from "./admin-dead-letters.js";
import {
  type BusOverview,
  type GroupStats,
  groupLoad,
  groupStats,
  overview,
} from "./admin-groups.js";
import { type TopicStats, topicStats } from "./admin-streams.js";
import type { DeadLetter } from "./dead-letter.js";
import type { GroupLoad } from "./metrics.js";
import type { RedisClient } from "./redis.js";

export type { DeadLetterQuery, DeadLetterScope, DeadLetterStream } from "./admin-dead-letters.js";
export type { BusOverview, ConsumerStats, GroupStats } from "./admin-groups.js";
export {
  type EntryPosition,
  type PartitionStats,
  partitionStreams,
  type TopicStats,
} from "./admin-streams.js";

/**
 * Read-mostly views of the bus for operators: streams, groups, dead letters. Replay
 * and purge are the only writes. Reads of many streams go out together, in one round
 * trip (a pipeline), not one command at a time.
 */
export class BusAdmin {
  constructor(
    private readonly redis: RedisClient,
    private readonly catalog: Catalog,
  ) {}

  /** Every topic of the catalog, in catalog order. */
  async topics(): Promise<TopicStats[]> {
    return topicStats(this.redis, this.catalog, Object.keys(this.catalog));
  }

  /** One topic's length and first and last entries, over all its partitions. */
  async topic(name: string): Promise<TopicStats> {
    const [stats] = await topicStats(this.redis, this.catalog, [name]);
    return stats as TopicStats;
  }

  /** The consumer groups reading a topic, merged over its partitions. */
  async groups(topic: string): Promise<GroupStats[]> {
    return groupStats(this.redis, this.catalog, [topic]);
  }

  /**
   * The consumer groups of several topics (default: every topic), topic by topic as
   * `groups` gives them, with their dead-letter and trim counts, in one round trip for
   * all (a second one only for groups the catalog does not list as consumers).
   */
  async allGroups(topics: readonly string[] = Object.keys(this.catalog)): Promise<GroupStats[]> {
    return groupStats(this.redis, this.catalog, topics);
  }

  /**
   * `topics()` and `allGroups()` at once (default: every topic), in one round trip (a
   * second one only for groups the catalog does not list as consumers): what a
   * dashboard polls.
   */
  async overview(topics: readonly string[] = Object.keys(this.catalog)): Promise<BusOverview> {
    return overview(this.redis, this.catalog, topics);
  }

  /** Pending and lag of the given subscriptions (what the metrics report). */
  async groupLoad(
    subscriptions: readonly { topic: string; group: string }[],
  ): Promise<GroupLoad[]> {
    return groupLoad(this.redis, this.catalog, subscriptions);
  }

  /**
   * The dead-letter streams that exist, found by their key pattern: also those of
   * groups deleted since. With `scope.group`, that group's streams, existing or not.
   */
  async deadLetterStreams(scope: DeadLetterScope = {}): Promise<DeadLetterStream[]> {
    return deadLetterStreams(this.redis, this.catalog, scope);
  }

  /**
   * Dead letters of a topic, or of several topics in turn (one key scan for all),
   * oldest first per partition and group; also those of groups deleted since they
   * dead-lettered.
   */
  async listDeadLetters(
    topic: string | readonly string[],
    query: DeadLetterQuery = {},
  ): Promise<DeadLetter[]> {
    const topics = typeof topic === "string" ? [topic] : topic;
    return listDeadLetters(this.redis, this.catalog, topics, query);
  }

  /**
   * One dead letter by its id, parsed as `listDeadLetters` parses it; undefined when no
   * dead-letter stream in the scope (default: every topic and group) has it. An id can
   * exist in several streams: `findDeadLetters` returns them all, this the first (by
   * topic, partition, group).
   */
  async getDeadLetter(id: string, scope: DeadLetterScope = {}): Promise<DeadLetter | undefined> {
    const [letter] = await findDeadLetters(this.redis, this.catalog, [id], scope);
    return letter;
  }

  /** Every dead letter with one of the ids, in the scope (default: every topic and group). */
  async findDeadLetters(
    ids: readonly string[],
    scope: DeadLetterScope = {},
  ): Promise<DeadLetter[]> {
    return findDeadLetters(this.redis, this.catalog, ids, scope);
  }

  /**
   * Put dead letters back on their topic for their group only, keeping their event ids.
   * Resolves to how many were replayed.
   */
  async replayDeadLetters(topic: string, query: DeadLetterQuery = {}): Promise<number> {
    return replayDeadLetters(this.redis, this.catalog, topic, query);
  }

  /** Delete dead letters for good. Resolves to how many were deleted. */
  async purgeDeadLetters(topic: string, query: DeadLetterQuery = {}): Promise<number> {
    return purgeDeadLetters(this.redis, this.catalog, topic, query);
  }
}
