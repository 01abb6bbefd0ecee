import type { EntryPosition, TopicStats } from "@retail/bus";
import type { Redis } from "ioredis";
import { type RedisSession, withRedis } from "./connect.js";
import { entryTimeMs, jsonDocument, renderTable, timestamp } from "./format.js";
import type { CommandContext } from "./io.js";
import { resolveTopics } from "./topics.js";

/** The rate is events per second over this window, counted from entry ids. */
export const RATE_WINDOW_MS = 60_000;

/**
 * At most this many entries are read per partition to count the window. When a
 * partition has more, the rate is estimated from the time these newest ones span.
 */
export const RATE_SAMPLE = 1_000;

export interface StreamReport extends TopicStats {
  /** Events per second over the last minute (all partitions). */
  ratePerSecond: number;
  /** True when a partition had more than RATE_SAMPLE entries in the window. */
  rateEstimated: boolean;
}

/** The server's clock in milliseconds (entry ids come from it, not from ours). */
export async function serverTimeMs(redis: Redis): Promise<number> {
  const [seconds, micros] = (await redis.time()) as [string | number, string | number];
  return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
}

async function rateOf(
  redis: Redis,
  topic: TopicStats,
  now: number,
): Promise<{ ratePerSecond: number; rateEstimated: boolean }> {
  const since = now - RATE_WINDOW_MS;
  let exactCount = 0;
  let estimatedRate = 0;
  let estimated = false;
  for (const partition of topic.partitions) {
    if (!partition.lastEntry || entryTimeMs(partition.lastEntry.id) < since) continue;
    const rows = (await redis.xrevrange(
      partition.stream,
      "+",
      String(since),
      "COUNT",
      RATE_SAMPLE,
    )) as [string, string[]][];
    const oldest = rows.at(-1);
    if (rows.length < RATE_SAMPLE || !oldest) {
      exactCount += rows.length;
    } else {
      estimated = true;
      estimatedRate += (rows.length * 1_000) / Math.max(1, now - entryTimeMs(oldest[0]));
    }
  }
  return {
    ratePerSecond: (exactCount * 1_000) / RATE_WINDOW_MS + estimatedRate,
    rateEstimated: estimated,
  };
}

/** Length, first and last entry and rate of each topic. */
export async function collectStreams(
  session: RedisSession,
  topics: readonly string[],
): Promise<{ now: number; reports: StreamReport[] }> {
  const now = await serverTimeMs(session.redis);
  const reports: StreamReport[] = [];
  for (const name of topics) {
    const stats = await session.bus.admin.topic(name);
    reports.push({ ...stats, ...(await rateOf(session.redis, stats, now)) });
  }
  return { now, reports };
}

function position(entry: EntryPosition | undefined, now: number): string {
  return entry ? `${timestamp(entryTimeMs(entry.id), now)} (${entry.id})` : "—";
}

export function formatRate(report: Pick<StreamReport, "ratePerSecond" | "rateEstimated">): string {
  if (report.ratePerSecond === 0) return "0";
  const value =
    report.ratePerSecond >= 100 ? report.ratePerSecond.toFixed(0) : report.ratePerSecond.toFixed(2);
  return `${report.rateEstimated ? "~" : ""}${value}`;
}

export function renderStreams(
  reports: readonly StreamReport[],
  now: number,
  context: CommandContext,
): string {
  const c = context.colors;
  const rows = reports.map((report) => [
    report.length === 0 ? c.dim(report.topic) : report.topic,
    report.publisher,
    String(report.partitions.length),
    String(report.length),
    position(report.firstEntry, now),
    position(report.lastEntry, now),
    report.ratePerSecond > 0 ? c.green(formatRate(report)) : c.dim(formatRate(report)),
  ]);
  return renderTable(
    ["TOPIC", "PUBLISHER", "PARTS", "LENGTH", "FIRST ENTRY", "LAST ENTRY", "RATE/s"],
    rows,
    { align: ["left", "left", "right", "right", "left", "left", "right"], colors: c },
  );
}

/** `retail streams [topic…]` */
export async function streamsCommand(
  context: CommandContext,
  topicNames: readonly string[],
  options: { json?: boolean },
): Promise<void> {
  const topics = resolveTopics(topicNames);
  const { now, reports } = await withRedis(context.redisUrl(), (session) =>
    collectStreams(session, topics),
  );
  if (options.json) {
    context.io.out(jsonDocument(reports));
    return;
  }
  context.io.out(renderStreams(reports, now, context));
}
