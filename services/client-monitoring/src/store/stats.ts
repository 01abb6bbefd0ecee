import type { Bus, RedisClient } from "@retail/bus";
import { type RetailCatalog, topicNames } from "@retail/contracts";
import { Cluster, Command } from "ioredis";
import { z } from "zod";
import { keys } from "../keys.js";

/** The rate is over the last minute. */
export const RATE_WINDOW_SECONDS = 60;

export const statsSchema = z.object({
  topics: z.array(
    z.object({
      topic: z.string(),
      length: z.number().describe("Entries in the topic's streams, over all partitions."),
      ratePerSecond: z
        .number()
        .describe("Events handled by client-monitoring per second, over the last minute."),
      lastEventAt: z.string().nullable().describe("Time of the newest entry, from its stream id."),
      partitions: z.array(
        z.object({
          partition: z.number(),
          stream: z.string().describe("The partition's stream key."),
          length: z.number().describe("Entries in the partition's stream."),
          master: z
            .string()
            .nullable()
            .describe(
              "On a Redis Cluster, the master (host:port, as the cluster announces it) serving the stream's slot; null on a single Redis server.",
            ),
        }),
      ),
    }),
  ),
  groups: z.array(
    z.object({
      topic: z.string(),
      group: z.string(),
      consumers: z.number().describe("Consumers (instances) in the group."),
      pending: z.number().describe("Delivered, not yet acknowledged."),
      parked: z.number().describe("Of the pending entries, those waiting to be retried."),
      lost: z
        .number()
        .describe("Entries trimmed from the topic before the group handled them: lost to it."),
      lag: z
        .number()
        .nullable()
        .describe("Entries not yet delivered to the group; null when Redis cannot tell."),
    }),
  ),
  deadLetters: z.array(z.object({ topic: z.string(), group: z.string(), count: z.number() })),
});
export type Stats = z.output<typeof statsSchema>;

/** Streams, consumer groups and dead letters of every topic, and the rate of each. */
export async function collectStats(
  bus: Bus<RetailCatalog>,
  redis: RedisClient,
  now = new Date(),
): Promise<Stats> {
  const [{ topics, groups }, rates] = await Promise.all([
    bus.admin.overview(),
    ratesPerSecond(redis, now),
  ]);
  return {
    topics: topics.map((topic) => ({
      topic: topic.topic,
      length: topic.length,
      ratePerSecond: rates.get(topic.topic) ?? 0,
      lastEventAt: topic.lastEntry?.at ?? null,
      partitions: topic.partitions.map(({ partition, stream, length }) => ({
        partition,
        stream,
        length,
        master: masterOf(redis, stream),
      })),
    })),
    groups: groups.map((group) => ({
      topic: group.topic,
      group: group.group,
      consumers: group.consumers.length,
      pending: group.pending,
      parked: group.parked,
      lost: group.trimmed,
      lag: group.lag,
    })),
    deadLetters: groups.map((group) => ({
      topic: group.topic,
      group: group.group,
      count: group.deadLetters,
    })),
  };
}

/**
 * The master serving a key's slot as the client knows the cluster (ioredis's slot
 * table, from CLUSTER SLOTS at connect and again after a MOVED or a failover; the slot
 * as ioredis routes the key); null on a single server or before the table is known.
 */
function masterOf(redis: RedisClient, key: string): string | null {
  if (!(redis instanceof Cluster)) return null;
  return redis.slots[new Command("XLEN", [key]).getSlot()]?.[0] ?? null;
}

/** Per topic: the events counted in the per-second buckets of the last minute, per second. */
async function ratesPerSecond(redis: RedisClient, now: Date): Promise<Map<string, number>> {
  const nowSecond = Math.floor(now.getTime() / 1000);
  const bucketKeys = topicNames.flatMap((topic) =>
    Array.from({ length: RATE_WINDOW_SECONDS }, (_, back) => keys.rate(topic, nowSecond - back)),
  );
  const counts = await redis.mget(...bucketKeys);
  const rates = new Map<string, number>();
  topicNames.forEach((topic, index) => {
    const total = counts
      .slice(index * RATE_WINDOW_SECONDS, (index + 1) * RATE_WINDOW_SECONDS)
      .reduce((sum, count) => sum + Number(count ?? 0), 0);
    rates.set(topic, Math.round((total / RATE_WINDOW_SECONDS) * 1000) / 1000);
  });
  return rates;
}
