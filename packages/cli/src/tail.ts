import { decodeEnvelope, type Envelope, streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import type { Redis } from "ioredis";
import { blockingConnection, withRedis } from "./connect.js";
import { usageError } from "./errors.js";
import {
  clock,
  entryTimeMs,
  jsonLine,
  pad,
  redactUrl,
  SOURCE_WIDTH,
  subjectOf,
  summarize,
  TOPIC_WIDTH,
  topicStyle,
} from "./format.js";
import type { CommandContext } from "./io.js";
import { resolveTopics } from "./topics.js";

/** One entry read from a partition stream. */
export interface StreamEvent {
  stream: string;
  topic: string;
  partition: number;
  entryId: string;
  /** The entry's time (ms), from its id: when Redis stored it. */
  at: number;
  /** The decoded envelope; absent when the entry is not a valid envelope. */
  envelope?: Envelope | undefined;
  /** Set on a replayed dead letter: only this group handles it. */
  replayFor?: string | undefined;
  /** Why the entry could not be decoded. */
  error?: string | undefined;
  /** The raw fields of an entry that could not be decoded. */
  fields?: Record<string, string> | undefined;
}

export interface FollowOptions {
  redis: Redis;
  topics: readonly string[];
  signal: AbortSignal;
  /** Called once the starting positions are fixed: anything appended afterwards is seen. */
  onReady?: (streams: number) => void;
  /** Called for each new entry, in id order within one read; return false to stop. */
  onEvent: (event: StreamEvent) => boolean | undefined;
  /** How long one XREAD blocks. Default 5 000. */
  blockMs?: number;
}

interface StreamRef {
  stream: string;
  topic: string;
  partition: number;
}

function compareIds(left: string, right: string): number {
  const [leftMs = 0, leftSeq = 0] = left.split("-").map(Number);
  const [rightMs = 0, rightSeq = 0] = right.split("-").map(Number);
  return leftMs - rightMs || leftSeq - rightSeq;
}

function toEvent(ref: StreamRef, entryId: string, fields: readonly string[]): StreamEvent {
  const base = { ...ref, entryId, at: entryTimeMs(entryId) };
  try {
    const { envelope, replayFor } = decodeEnvelope(fields);
    return { ...base, envelope, replayFor };
  } catch (error) {
    const raw: Record<string, string> = {};
    for (let index = 0; index + 1 < fields.length; index += 2)
      raw[fields[index] as string] = fields[index + 1] as string;
    return { ...base, error: (error as Error).message, fields: raw };
  }
}

/**
 * Follow the partition streams of some topics with plain `XREAD BLOCK`: no consumer
 * group, so nobody's deliveries are touched. Starts at the end of each stream (what
 * `$` means, but fixed once at the start, so nothing appended between two reads is
 * missed). Resolves when `onEvent` returns false or the signal aborts (the blocked
 * read is cut by closing its connection).
 */
export async function followTopics(options: FollowOptions): Promise<void> {
  const refs: StreamRef[] = options.topics.flatMap((topic) => {
    const definition = catalog[topic as keyof typeof catalog];
    if (!definition) return [];
    return Array.from({ length: partitionsOf(definition) }, (_, partition) => ({
      stream: streamKey(topic, partition),
      topic,
      partition,
    }));
  });
  const byStream = new Map(refs.map((ref, index) => [ref.stream, index]));
  const last = options.redis.pipeline();
  for (const ref of refs) last.xrevrange(ref.stream, "+", "-", "COUNT", 1);
  const ids = ((await last.exec()) ?? []).map(([error, rows]) => {
    if (error) throw error;
    return (rows as [string, string[]][])[0]?.[0] ?? "0-0";
  });
  if (options.signal.aborted) return;
  options.onReady?.(refs.length);

  const blockMs = options.blockMs ?? 5_000;
  const blocking = blockingConnection(options.redis, blockMs);
  const stop = () => blocking.disconnect();
  options.signal.addEventListener("abort", stop, { once: true });
  try {
    while (!options.signal.aborted) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await blocking.xread(
          "COUNT",
          500,
          "BLOCK",
          blockMs,
          "STREAMS",
          ...refs.map((ref) => ref.stream),
          ...ids,
        )) as [string, [string, string[]][]][] | null;
      } catch (error) {
        if (options.signal.aborted) return;
        throw error;
      }
      if (!reply) continue;
      const events: StreamEvent[] = [];
      for (const [stream, entries] of reply) {
        const index = byStream.get(stream);
        const ref = index === undefined ? undefined : refs[index];
        if (index === undefined || !ref) continue;
        for (const [entryId, fields] of entries) {
          ids[index] = entryId;
          events.push(toEvent(ref, entryId, fields));
        }
      }
      events.sort((left, right) => compareIds(left.entryId, right.entryId));
      for (const event of events) {
        if (options.onEvent(event) === false) return;
      }
    }
  } finally {
    options.signal.removeEventListener("abort", stop);
    blocking.disconnect();
  }
}

/** Whether an event belongs to an order: its payload's order id or its correlation id. */
export function belongsToOrder(event: StreamEvent, orderId: string): boolean {
  const envelope = event.envelope;
  if (!envelope) return false;
  const payload = envelope.payload as { orderId?: unknown } | null;
  return payload?.orderId === orderId || envelope.correlationId === orderId;
}

/** One line of `retail tail`: time, topic, source → subject, key fields. */
export function tailLine(event: StreamEvent, context: CommandContext): string {
  const c = context.colors;
  const time = c.dim(clock(event.at));
  if (!event.envelope) {
    return `${time}  ${c.red(pad(event.topic, TOPIC_WIDTH))}  ${c.red(`malformed entry ${event.entryId} on ${event.stream}: ${event.error ?? ""}`)}\n`;
  }
  const envelope = event.envelope;
  const style = topicStyle(envelope.type);
  const subject = subjectOf(envelope.type, envelope.payload, envelope.partitionKey);
  const replay = event.replayFor ? c.yellow(` (replay for ${event.replayFor})`) : "";
  return `${time}  ${style.color(c)(pad(envelope.type, TOPIC_WIDTH))}  ${c.dim(pad(envelope.source, SOURCE_WIDTH, "right"))} → ${c.bold(subject.id)}  ${summarize(envelope.type, envelope.payload)}${replay}\n`;
}

/** An event as one JSON object (`--json`): where it was read and its envelope. */
export function eventJson(event: StreamEvent): Record<string, unknown> {
  return {
    at: new Date(event.at).toISOString(),
    topic: event.topic,
    stream: event.stream,
    entryId: event.entryId,
    ...(event.envelope
      ? {
          subject: subjectOf(
            event.envelope.type,
            event.envelope.payload,
            event.envelope.partitionKey,
          ),
          envelope: event.envelope,
        }
      : { error: event.error, fields: event.fields }),
    ...(event.replayFor ? { replayFor: event.replayFor } : {}),
  };
}

/** Parse `--limit`: a positive integer. */
export function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1)
    throw usageError(`--limit must be a positive integer, got "${value}"`);
  return limit;
}

export interface TailOptions {
  order?: string;
  limit?: string;
  json?: boolean;
}

/** `retail tail [topic…] [--order ID] [--limit N]` */
export async function tailCommand(
  context: CommandContext,
  topicNames: readonly string[],
  options: TailOptions,
): Promise<void> {
  const topics = resolveTopics(topicNames);
  const limit = parseLimit(options.limit);
  const url = context.redisUrl();
  let shown = 0;
  await withRedis(url, (session) =>
    followTopics({
      redis: session.redis,
      topics,
      signal: context.io.signal,
      onReady: (streams) =>
        context.io.err(
          context.colors.dim(
            `tailing ${topics.length === 1 ? topics[0] : `${topics.length} topics`} (${streams} streams) on ${redactUrl(url)}${options.order ? ` for order ${options.order}` : ""}; Ctrl-C to stop\n`,
          ),
        ),
      onEvent: (event) => {
        if (options.order !== undefined && !belongsToOrder(event, options.order)) return true;
        context.io.out(options.json ? jsonLine(eventJson(event)) : tailLine(event, context));
        shown += 1;
        return limit === undefined || shown < limit;
      },
    }),
  );
}
