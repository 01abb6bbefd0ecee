import type { Envelope, RedisClient } from "@retail/bus";
import { z } from "zod";
import { keys } from "../keys.js";
import { orderIdOf } from "../live-feed.js";

/** An event as a timeline stores it. */
export const timelineEntrySchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.string(),
  occurredAt: z.string(),
  receivedAt: z.string(),
  causationId: z.string().nullable(),
});
export type TimelineEntry = z.output<typeof timelineEntrySchema>;

export const timelineEventSchema = timelineEntrySchema.extend({
  latencyMs: z
    .number()
    .nullable()
    .describe(
      "occurredAt minus the occurredAt of the event that caused this one (its causationId), else of the previous event; null for the first.",
    ),
});
export type TimelineEvent = z.output<typeof timelineEventSchema>;

/**
 * The timelines an event belongs to: its correlation id (an order's saga uses the order
 * id) and its `payload.orderId`. Events about client apps (`client.*`) belong to no
 * order and come in volume (telemetry), so they are not filed by correlation id.
 */
export function timelineKeysOf(event: Envelope): string[] {
  const ids = new Set<string>();
  const orderId = orderIdOf(event.payload);
  if (orderId) ids.add(orderId);
  if (!event.type.startsWith("client.")) ids.add(event.correlationId);
  return [...ids].map((id) => keys.timeline(id));
}

/** The event as its timelines store it, received at `receivedAt`. */
export function timelineEntryOf(event: Envelope, receivedAt: Date): TimelineEntry {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    occurredAt: event.occurredAt,
    receivedAt: receivedAt.toISOString(),
    causationId: event.causationId ?? null,
  };
}

/** An order's events in order of occurredAt, with the latency of each hop. Empty when unknown. */
export async function readTimeline(redis: RedisClient, orderId: string): Promise<TimelineEvent[]> {
  const members = await redis.zrange(keys.timeline(orderId), 0, "-1");
  const byId = new Map<string, TimelineEntry>();
  for (const member of members) {
    const parsed = timelineEntrySchema.safeParse(parseJson(member));
    if (parsed.success && !byId.has(parsed.data.id)) byId.set(parsed.data.id, parsed.data);
  }
  return withLatencies([...byId.values()]);
}

/** Sort by occurredAt (then id: UUIDv7 ids sort by time) and compute each hop's latency. */
export function withLatencies(entries: readonly TimelineEntry[]): TimelineEvent[] {
  const sorted = [...entries].sort(
    (left, right) =>
      Date.parse(left.occurredAt) - Date.parse(right.occurredAt) ||
      (left.id < right.id ? -1 : left.id > right.id ? 1 : 0),
  );
  const byId = new Map(sorted.map((entry) => [entry.id, entry]));
  return sorted.map((entry, index) => {
    const reference =
      (entry.causationId === null ? undefined : byId.get(entry.causationId)) ?? sorted[index - 1];
    return {
      ...entry,
      latencyMs: reference ? Date.parse(entry.occurredAt) - Date.parse(reference.occurredAt) : null,
    };
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
