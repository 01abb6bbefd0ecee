import type { Catalog, PayloadInputOf, TopicName } from "@retail/contracts";
import type { Logger } from "pino";
import { AtomicBatch } from "./atomic.js";
import type { Envelope } from "./envelope.js";
import type { CausingEvent, PreparedEvent, Publisher, PublishOptions } from "./publisher.js";
import type { RedisClient } from "./redis.js";
import type { HandlerContext } from "./subscription.js";

/** What a handler needs from its subscription to build its context. */
export interface HandlerContextSource<C extends Catalog> {
  publisher: Publisher<C>;
  /** The subscription's logger; the handler gets a child of it. */
  logger: Logger;
  group: string;
  /** Where `atomically` writes (the consumer's command connection). */
  commands: RedisClient;
  /** The group's processed-marks key, committed with `atomically`'s writes. */
  processedKey: string;
  signal: AbortSignal;
}

/**
 * The `context` argument of a handler. A class rather than an object of closures: one
 * is built for every event handled, and methods on a prototype cost nothing per event.
 */
export class EventHandlerContext<C extends Catalog> implements HandlerContext<C> {
  private eventLogger: Logger | undefined;

  constructor(
    private readonly source: HandlerContextSource<C>,
    private readonly envelope: Envelope,
    readonly attempt: number,
  ) {}

  /** The event being handled, as the cause of what the handler publishes. */
  private get cause(): CausingEvent {
    return this.envelope;
  }

  get signal(): AbortSignal {
    return this.source.signal;
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

  prepare<T extends TopicName<C>>(
    topic: T,
    payload: PayloadInputOf<C, T>,
    options?: PublishOptions,
  ): PreparedEvent {
    return this.source.publisher.prepare(topic, payload, options, this.cause);
  }

  publish<T extends TopicName<C>>(
    topic: T,
    payload: PayloadInputOf<C, T>,
    options?: PublishOptions,
  ): Promise<Envelope> {
    return this.source.publisher.publish(topic, payload, options, this.cause);
  }

  async atomically(build: (batch: AtomicBatch<C>) => void): Promise<boolean> {
    const batch = new AtomicBatch(this.source.publisher, this.cause);
    build(batch);
    return batch.run(this.source.commands, {
      key: this.source.processedKey,
      id: this.envelope.id,
    });
  }
}
