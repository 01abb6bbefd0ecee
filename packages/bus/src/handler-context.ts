import type { Catalog } from "@retail/contracts";
import type { Logger } from "pino";
import { causedEventId } from "./caused-ids.js";
import type { Envelope } from "./envelope.js";
import type { StepCause } from "./step.js";
import type { HandlerContext } from "./subscription.js";

/** What a handler needs from its subscription to build its context. */
export interface HandlerContextSource {
  /** The subscription's logger; the handler gets a child of it. */
  logger: Logger;
  group: string;
  /** The group's processed-marks key, set by `bus.commit` with the step's writes. */
  processedKey: string;
  /** Aborted when the bus's shutdown deadline passes. */
  signal: AbortSignal;
}

/**
 * The `context` argument of a handler, for one attempt. A class rather than an object
 * of closures: one is built for every event handled, and methods on a prototype cost
 * nothing per event. The attempt's own abort controller is made only if the handler
 * asks for its signal.
 */
export class EventHandlerContext<C extends Catalog> implements HandlerContext<C>, StepCause {
  private eventLogger: Logger | undefined;
  private attemptAbort: AbortController | undefined;
  private attemptSignal: AbortSignal | undefined;
  /** Set when the attempt timed out: everything the handler tries from then on fails with it. */
  private expiredWith: Error | undefined;
  /** Events published so far by this attempt, per topic: their ordinal makes their ids. */
  private publishedPerTopic: Map<string, number> | undefined;

  constructor(
    private readonly source: HandlerContextSource,
    private readonly envelope: Envelope,
    readonly attempt: number,
  ) {}

  get id(): string {
    return this.envelope.id;
  }

  get correlationId(): string {
    return this.envelope.correlationId;
  }

  get traceparent(): string {
    return this.envelope.traceparent;
  }

  nextCausedId(topic: string): string {
    this.publishedPerTopic ??= new Map();
    const ordinal = this.publishedPerTopic.get(topic) ?? 0;
    this.publishedPerTopic.set(topic, ordinal + 1);
    return causedEventId(this.envelope.id, this.source.group, topic, ordinal);
  }

  get signal(): AbortSignal {
    if (!this.attemptSignal) {
      this.attemptAbort = new AbortController();
      if (this.expiredWith) this.attemptAbort.abort(this.expiredWith);
      this.attemptSignal = AbortSignal.any([this.source.signal, this.attemptAbort.signal]);
    }
    return this.attemptSignal;
  }

  /** The attempt is over without the handler (it timed out): abort its signal, refuse its writes. */
  expire(error: Error): void {
    this.expiredWith = error;
    this.attemptAbort?.abort(error);
  }

  /** Created on first use: a child logger costs ~1 µs, and most handlers never log. */
  get logger(): Logger {
    this.eventLogger ??= this.source.logger.child({
      correlationId: this.envelope.correlationId,
      eventId: this.envelope.id,
      topic: this.envelope.type,
      group: this.source.group,
    });
    return this.eventLogger;
  }

  /** The group's processed mark of this event, set by `bus.commit` with the step's writes. */
  get handled(): { key: string; id: string } {
    return { key: this.source.processedKey, id: this.envelope.id };
  }

  assertLive(): void {
    if (this.expiredWith) throw this.expiredWith;
  }
}
