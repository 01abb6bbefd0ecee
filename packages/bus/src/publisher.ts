import {
  type Catalog,
  type PayloadInputOf,
  partitionKeyOf,
  partitionsOf,
  type Retention,
  retentionOf,
  type TopicDefinition,
  type TopicName,
} from "@retail/contracts";
import { type Envelope, encodeEnvelope, toIssues } from "./envelope.js";
import { NotPublisherError, PayloadValidationError, UnknownTopicError } from "./errors.js";
import { streamKey } from "./keys.js";
import type { BusMetrics } from "./metrics.js";
import { partitionFor } from "./partitioning.js";
import { PublishDeadlines } from "./publish-deadlines.js";
import { uuidv7 } from "./random.js";
import type { RedisClient } from "./redis.js";
import { type ProducerSpan, startProducerSpan } from "./tracing.js";

/** Options of one publish. Every one is optional. */
export interface PublishOptions {
  /**
   * Events with the same key go to the same partition and are handled in order.
   * Default: the topic's `partitionKey` payload field, else the correlation id. For a
   * topic that names its key field, only that field's value is accepted (the contract
   * pins the envelope's key to it).
   */
  partitionKey?: string;
  /** Default: the causing event's correlation id inside a handler, else the new event's id. */
  correlationId?: string;
  /** Default: the event being handled, inside a handler; none otherwise. */
  causationId?: string;
  /**
   * The event's id. Default: a new UUIDv7. Pass the id of an earlier attempt to retry a
   * publish that timed out: consumers drop the duplicate by id.
   */
  eventId?: string;
  /**
   * Continue this trace: the W3C traceparent of the work this event follows from, e.g.
   * the event being handled, or one stored with a flow that a timer resumes later. The
   * event's producer span becomes its child — unless a span is already active (an
   * OpenTelemetry SDK is registered and a handler or request is running), which stays
   * the parent. Without an SDK it is what keeps the event in the flow's trace when it is
   * prepared outside a handler's context. Default: the active span, else (without an
   * SDK) the trace of the event being handled, else a new trace.
   */
  traceparent?: string;
}

/** The event being handled, whose ids and trace a publish inside a handler continues. */
export interface CausingEvent {
  id: string;
  correlationId: string;
  traceparent: string;
  /**
   * The id for the next event published because of this one (deterministic, so that a
   * redelivery re-publishes the same ids). Without it, events get new UUIDv7s.
   */
  nextCausedId?(topic: string): string;
}

/**
 * An encoded event ready to append: `XADD <stream> <args…>` (by `publish`, or by a
 * step's script through `emit`).
 */
export interface PreparedEvent {
  readonly stream: string;
  /** Trim arguments, `*` and the envelope's fields. */
  readonly args: readonly string[];
  readonly envelope: Envelope;
  /**
   * The event was appended: count it in `bus_events_published_total{topic}` and end
   * its producer span. Only for events that were appended; an event a script chose not
   * to emit is never counted, and its span never exported. Idempotent.
   */
  markPublished(): void;
  /** End the producer span with the error of a failed (or in-doubt) append. */
  failed(error: unknown): void;
}

export class Publisher<C extends Catalog> {
  private readonly deadlines: PublishDeadlines;
  /** Appends prepared per stream, for retentions that trim by length every so often. */
  private readonly appends = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly catalog: C,
    private readonly service: string,
    private readonly metrics: BusMetrics,
    publishTimeoutMs: number,
    /** Over every topic's catalog retention, when set. */
    private readonly retention?: Retention,
  ) {
    this.deadlines = new PublishDeadlines(publishTimeoutMs);
  }

  /** Validate and encode an event without writing it. Throws the typed publish errors. */
  prepare<T extends TopicName<C>>(
    topic: T,
    payload: PayloadInputOf<C, T>,
    options: PublishOptions = {},
    cause?: CausingEvent,
  ): PreparedEvent {
    const definition = this.topic(topic);
    const parsed = definition.schema.safeParse(payload);
    if (!parsed.success) throw new PayloadValidationError(topic, toIssues(parsed.error));
    const id = options.eventId ?? cause?.nextCausedId?.(topic) ?? uuidv7();
    const correlationId = options.correlationId ?? cause?.correlationId ?? id;
    const keyField = partitionKeyOf(definition, parsed.data);
    if (
      keyField !== undefined &&
      options.partitionKey !== undefined &&
      options.partitionKey !== keyField
    ) {
      throw new PayloadValidationError(topic, [
        {
          path: "partitionKey",
          message: `must equal the payload's ${definition.partitionKey} ("${keyField}"), the topic's key`,
        },
      ]);
    }
    const partitionKey = options.partitionKey ?? keyField ?? correlationId;
    const span = startProducerSpan(topic, options.traceparent, cause?.traceparent);
    const envelope: Envelope = {
      id,
      type: topic,
      version: definition.version,
      occurredAt: isoNow(),
      source: this.service,
      correlationId,
      causationId: options.causationId ?? cause?.id,
      traceparent: span.fields.traceparent,
      tracestate: span.fields.tracestate,
      partitionKey,
      payload: parsed.data,
    };
    const partition = partitionFor(partitionKey, partitionsOf(definition));
    const stream = streamKey(topic, partition);
    const appends = this.appends.get(stream) ?? 0;
    this.appends.set(stream, appends + 1);
    const args = trimArguments(this.retention ?? retentionOf(definition), appends);
    args.push("*");
    return new BusPreparedEvent(
      stream,
      encodeEnvelope(envelope, undefined, args),
      envelope,
      span,
      this.metrics,
    );
  }

  /**
   * Append an event. Resolves once Redis has stored it; rejects with a typed error when
   * the payload is invalid (nothing written) or Redis did not confirm in time (in doubt).
   */
  async publish<T extends TopicName<C>>(
    topic: T,
    payload: PayloadInputOf<C, T>,
    options: PublishOptions = {},
    cause?: CausingEvent,
  ): Promise<Envelope> {
    const prepared = this.prepare(topic, payload, options, cause);
    try {
      await this.bounded(prepared.envelope, this.redis.xadd(prepared.stream, ...prepared.args));
    } catch (error) {
      prepared.failed(error);
      throw error;
    }
    prepared.markPublished();
    return prepared.envelope;
  }

  /**
   * Wait for a write that carries `event`, at most `publishTimeoutMs`; then reject with
   * a `PublishTimeoutError` naming the event id to retry with (the write may still
   * happen later, from the client's queue after a reconnect).
   */
  bounded<T>(event: Envelope, write: Promise<T>): Promise<T> {
    return this.deadlines.bound(event, write);
  }

  /** The definition of a topic this service may publish. */
  topic(topic: string): TopicDefinition {
    const definition = this.catalog[topic];
    if (!definition) throw new UnknownTopicError(topic);
    if (definition.publisher !== this.service)
      throw new NotPublisherError(topic, this.service, definition.publisher);
    return definition;
  }
}

/** One object per publish, its methods on the prototype: no closures built per event. */
class BusPreparedEvent implements PreparedEvent {
  private counted = false;

  constructor(
    readonly stream: string,
    readonly args: readonly string[],
    readonly envelope: Envelope,
    private readonly span: ProducerSpan,
    private readonly metrics: BusMetrics,
  ) {}

  markPublished(): void {
    if (this.counted) return;
    this.counted = true;
    this.metrics.published.inc({ topic: this.envelope.type });
    this.span.end();
  }

  failed(error: unknown): void {
    this.span.end(error);
  }
}

let lastIsoMs = Number.NaN;
let lastIso = "";

/**
 * `new Date().toISOString()`, formatted at most once per millisecond: at tens of
 * thousands of publishes a second most of them share a millisecond, and formatting
 * was about a tenth of a publish's CPU.
 */
export function isoNow(now = Date.now()): string {
  if (now !== lastIsoMs) {
    lastIsoMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * With both bounds, one append in this many (per stream and process) trims by length,
 * the others by age: an append takes one strategy only, and publishers may not `XTRIM`.
 * A stream then exceeds its length by at most this many entries per publishing process.
 */
export const LENGTH_TRIM_EVERY = 16;

/**
 * `MAXLEN ~ n` or `MINID ~ <now − age>`: trimming on every append keeps streams bounded.
 * `appends` counts the stream's appends so far, for a retention with both bounds.
 */
export function trimArguments(retention: Retention, appends = 0): string[] {
  const byLength = ["MAXLEN", "~", String("maxLength" in retention ? retention.maxLength : 0)];
  if (!("maxAgeMs" in retention)) return byLength;
  if ("maxLength" in retention && appends % LENGTH_TRIM_EVERY === 0) return byLength;
  return ["MINID", "~", `${Math.max(0, Date.now() - retention.maxAgeMs)}-0`];
}
