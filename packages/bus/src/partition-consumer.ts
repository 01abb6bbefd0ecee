import { setTimeout as delay } from "node:timers/promises";
import type { Catalog, TopicDefinition } from "@retail/contracts";
import type { Logger } from "pino";
import { Acknowledger } from "./acknowledger.js";
import { type DeadLetterInput, moveToDeadLetter } from "./dead-letter.js";
import { decodeEnvelope, type Envelope, toIssues } from "./envelope.js";
import { EnvelopeError, NonRetryableError } from "./errors.js";
import { EventHandlerContext, type HandlerContextSource } from "./handler-context.js";
import { refreshClaims } from "./heartbeat.js";
import type { ProcessedEvents } from "./idempotency.js";
import { KeyLanes } from "./lanes.js";
import type { BusMetrics } from "./metrics.js";
import type { Publisher } from "./publisher.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { ensureGroup, type RawEntry, readNew, startId } from "./reader.js";
import { RecentIds } from "./recent-ids.js";
import { Reclaimer } from "./reclaimer.js";
import { beforeDeadline, type Connections, isNoGroupError, type RedisClient } from "./redis.js";
import {
  backoffDelay,
  type HandlerContext,
  type ResolvedSubscribeOptions,
} from "./subscription.js";
import { withConsumerSpan } from "./tracing.js";

export interface PartitionConsumerSettings<C extends Catalog> {
  topic: TopicDefinition;
  stream: string;
  deadLetterStream: string;
  options: ResolvedSubscribeOptions;
  /** This process's consumer name in the group. */
  consumer: string;
  connections: Connections;
  publisher: Publisher<C>;
  processed: ProcessedEvents;
  /** The subscription's handler; payloads reach it only after passing the topic's schema. */
  handler: (event: Envelope, context: HandlerContext<C>) => Promise<void> | void;
  logger: Logger;
  errors: RateLimitedLog;
  metrics: BusMetrics;
}

/** An entry this consumer holds: read or reclaimed, not yet acknowledged or released. */
interface HeldEntry {
  readonly entryId: string;
  readonly fields: string[];
  /** Deliveries so far, this one included (across processes). */
  deliveryCount: number;
  /** Another consumer reclaimed it: stop working on it, do not acknowledge it. */
  lost: boolean;
  envelope?: Envelope;
  /** Set on a replayed dead letter: the one group that should handle it. */
  replayFor?: string | undefined;
  /** Ends a backoff wait early (shutdown or lost claim). */
  cancelWait?: () => void;
}

/**
 * Consumes one partition stream of one subscription: reads only as many entries as it
 * has free handler slots, runs same-key entries one at a time in stream order, retries
 * with backoff, dead-letters what cannot be handled, reclaims what dead consumers left
 * pending, and keeps its own claims alive while handlers run.
 */
export class PartitionConsumer<C extends Catalog> {
  private readonly held = new Map<string, HeldEntry>();
  private readonly lanes = new KeyLanes<HeldEntry>((entry) => this.run(entry));
  private readonly recent = new RecentIds(10_000);
  private readonly acknowledger: Acknowledger;
  private readonly reclaimer: Reclaimer;
  private readonly abort = new AbortController();
  private readonly commands: RedisClient;
  private readonly contextSource: HandlerContextSource<C>;
  private blocking: RedisClient | undefined;
  private readLoop: Promise<void> | undefined;
  private wakeReader: (() => void) | undefined;
  private whenDrained: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private reclaiming = false;
  private stopping = false;
  /**
   * Ends the read in flight with no entries, for `stop`: a read queued on a connection
   * that is down never settles. One per read — not a race against one long-lived
   * promise, which keeps every read's result alive until it settles (a leak).
   */
  private cancelRead: (() => void) | undefined;
  private closed = false;

  constructor(private readonly settings: PartitionConsumerSettings<C>) {
    const { connections, stream, options, consumer, processed } = settings;
    this.commands = connections.commands;
    this.acknowledger = new Acknowledger(
      this.commands,
      stream,
      options.group,
      options.idempotency ? processed : undefined,
    );
    this.contextSource = {
      publisher: settings.publisher,
      logger: settings.logger,
      group: options.group,
      commands: this.commands,
      processedKey: processed.key,
      signal: this.abort.signal,
    };
    this.reclaimer = new Reclaimer(
      this.commands,
      stream,
      options.group,
      consumer,
      options.claimIdleMs,
    );
  }

  /** True while the read loop runs. */
  get reading(): boolean {
    return this.readLoop !== undefined && !this.stopping;
  }

  async start(): Promise<void> {
    const { stream, options, connections, consumer } = this.settings;
    await ensureGroup(this.commands, stream, options.group, startId(options.startFrom));
    this.blocking = connections.dedicated(`${consumer}:read`);
    this.readLoop = this.readContinuously();
    this.timers.push(
      setInterval(() => void this.reclaim(), options.reclaimIntervalMs),
      setInterval(() => void this.heartbeat(), Math.max(1, Math.floor(options.claimIdleMs / 3))),
    );
  }

  /**
   * Stop reading, let running handlers finish until `deadline` (epoch ms), acknowledge
   * what finished, and leave everything else pending for another consumer.
   */
  async stop(deadline: number): Promise<void> {
    this.stopping = true;
    this.cancelRead?.();
    const [reclaimTimer, heartbeatTimer] = this.timers;
    clearInterval(reclaimTimer);
    this.wakeReader?.();
    if (this.blocking) this.settings.connections.release(this.blocking);
    await this.readLoop;
    for (const entry of this.lanes.takeWaiting()) this.release(entry);
    for (const entry of this.held.values()) entry.cancelWait?.();
    if (this.held.size > 0) {
      const drained = new Promise<void>((resolve) => {
        this.whenDrained = resolve;
      });
      const timeout = delay(Math.max(0, deadline - Date.now()), undefined, { ref: false });
      await Promise.race([drained, timeout]);
    }
    clearInterval(heartbeatTimer);
    // Let the acks of finished handlers land before leaving the group or closing connections.
    await beforeDeadline(this.acknowledger.idle(), deadline).catch(() => {});
    if (this.held.size > 0) {
      this.settings.logger.warn(
        { stream: this.settings.stream, running: this.held.size },
        "shutdown deadline passed with handlers still running; their entries stay pending for another consumer",
      );
      this.abort.abort(new Error("bus closed"));
    } else {
      await beforeDeadline(this.forgetConsumerIfIdle(), deadline).catch(() => {});
    }
    this.closed = true;
  }

  private get freeSlots(): number {
    return this.settings.options.concurrency - this.held.size;
  }

  private async readContinuously(): Promise<void> {
    const { stream, options, consumer, errors } = this.settings;
    while (!this.stopping) {
      if (this.freeSlots <= 0) {
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
        });
        this.wakeReader = undefined;
        continue;
      }
      try {
        const blocking = this.blocking as RedisClient;
        const entries = await new Promise<RawEntry[]>((resolve, reject) => {
          this.cancelRead = () => resolve([]);
          readNew(blocking, stream, options.group, consumer, this.freeSlots, options.blockMs).then(
            resolve,
            reject,
          );
        }).finally(() => {
          this.cancelRead = undefined;
        });
        if (this.stopping) break;
        errors.clear(`read ${stream}`);
        await this.accept(entries.map((entry) => ({ ...entry, deliveryCount: 1 })));
        // Let handlers that finish at once (within this turn's microtasks) free their
        // slots before the next read asks for as many entries as there are free slots.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        if (this.stopping) break;
        if (isNoGroupError(error)) await this.recoverGroup();
        else {
          errors.error(`read ${stream}`, error, `reading ${stream} failed; retrying`);
          await delay(1_000, undefined, { signal: this.abort.signal, ref: false }).catch(() => {});
        }
      }
    }
  }

  /** Take entries into the slots: validate, drop duplicates, queue by key. */
  private async accept(entries: (RawEntry & { deliveryCount: number })[]): Promise<void> {
    const { topic, options } = this.settings;
    const valid: HeldEntry[] = [];
    for (const raw of entries) {
      if (this.held.has(raw.id) || raw.fields === null) continue;
      const entry: HeldEntry = {
        entryId: raw.id,
        fields: raw.fields,
        deliveryCount: raw.deliveryCount,
        lost: false,
      };
      this.held.set(raw.id, entry);
      const problem = this.validate(entry);
      if (problem) void this.deadLetter(entry, problem);
      else if (entry.replayFor !== undefined && entry.replayFor !== options.group)
        void this.acknowledge(entry, false);
      else valid.push(entry);
    }
    const alreadyDone = options.idempotency ? await this.alreadyProcessed(valid) : [];
    valid.forEach((entry, index) => {
      const envelope = entry.envelope as Envelope;
      if (alreadyDone[index]) void this.acknowledge(entry, true);
      else this.lanes.add(envelope.partitionKey, entry);
    });
    if (valid.length > 0)
      this.settings.logger.trace({ topic: topic.name, count: valid.length }, "accepted entries");
  }

  /** Decode the envelope and check the payload; a problem means a dead letter at once. */
  private validate(entry: HeldEntry): Omit<DeadLetterInput, "handler"> | undefined {
    const { topic } = this.settings;
    const now = new Date();
    const failure = (
      reason: DeadLetterInput["reason"],
      error: string,
      issues?: DeadLetterInput["issues"],
    ) => ({
      reason,
      error,
      issues,
      attempts: entry.deliveryCount,
      firstFailedAt: now,
      lastFailedAt: now,
    });
    try {
      const decoded = decodeEnvelope(entry.fields);
      if (decoded.envelope.type !== topic.name) {
        return failure(
          "invalid_payload",
          `event type "${decoded.envelope.type}" on topic "${topic.name}"`,
        );
      }
      const parsed = topic.schema.safeParse(decoded.envelope.payload);
      if (!parsed.success) {
        const issues = toIssues(parsed.error);
        return failure(
          "invalid_payload",
          `payload does not match ${topic.name} v${topic.version} (event is v${decoded.envelope.version})`,
          issues,
        );
      }
      entry.envelope = { ...decoded.envelope, payload: parsed.data };
      entry.replayFor = decoded.replayFor;
      return undefined;
    } catch (error) {
      if (error instanceof EnvelopeError)
        return failure("invalid_envelope", error.message, error.issues);
      throw error;
    }
  }

  private async alreadyProcessed(entries: HeldEntry[]): Promise<boolean[]> {
    try {
      return await this.settings.processed.seen(
        entries.map((entry) => (entry.envelope as Envelope).id),
      );
    } catch (error) {
      // Without the marks the handler runs: at-least-once still holds.
      this.settings.errors.warn(
        "processed-check",
        error,
        "could not check processed marks; handling anyway",
      );
      return [];
    }
  }

  /** Run one entry's handler until it succeeds, is dead-lettered, or is given up. */
  private async run(entry: HeldEntry): Promise<void> {
    const { options, metrics, topic } = this.settings;
    const envelope = entry.envelope as Envelope;
    const labels = { topic: topic.name, group: options.group };
    if (entry.lost || this.stopping) return this.release(entry);
    if (options.idempotency && this.recent.has(envelope.id)) return this.acknowledge(entry, true);
    let firstFailedAt: Date | undefined;
    for (;;) {
      const started = performance.now();
      try {
        await withConsumerSpan(envelope, options.group, async () =>
          this.settings.handler(
            envelope,
            new EventHandlerContext(this.contextSource, envelope, entry.deliveryCount),
          ),
        );
        metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
        return this.acknowledge(entry, false);
      } catch (error) {
        metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
        metrics.failed.inc(labels);
        firstFailedAt ??= new Date();
        if (entry.lost || this.closed) return this.release(entry);
        const nonRetryable = error instanceof NonRetryableError;
        if (nonRetryable || entry.deliveryCount >= options.maxDeliveries) {
          return this.deadLetter(entry, {
            reason: nonRetryable ? "non_retryable" : "max_deliveries",
            error: (error as Error)?.message ?? String(error),
            attempts: entry.deliveryCount,
            firstFailedAt,
            lastFailedAt: new Date(),
          });
        }
        this.logFailure(entry, envelope, error);
        if (!(await this.waitToRetry(entry))) return this.release(entry);
        metrics.retried.inc(labels);
      }
    }
  }

  private logFailure(entry: HeldEntry, envelope: Envelope, error: unknown): void {
    this.settings.logger.warn(
      {
        err: error,
        correlationId: envelope.correlationId,
        eventId: envelope.id,
        topic: envelope.type,
        attempt: entry.deliveryCount,
      },
      "handler failed; will retry",
    );
  }

  /** Back off, then count the next delivery in Redis. False when the retry must not happen. */
  private async waitToRetry(entry: HeldEntry): Promise<boolean> {
    const { options, stream, consumer } = this.settings;
    const wait = new AbortController();
    entry.cancelWait = () => wait.abort();
    try {
      await delay(backoffDelay(options.retry, entry.deliveryCount), undefined, {
        signal: wait.signal,
      });
    } catch {
      return false;
    } finally {
      entry.cancelWait = undefined;
    }
    if (this.stopping || entry.lost) return false;
    try {
      const next = entry.deliveryCount + 1;
      const lost = await refreshClaims(
        this.commands,
        stream,
        options.group,
        consumer,
        [entry.entryId],
        next,
      );
      if (lost.length > 0) return false;
      entry.deliveryCount = next;
      return true;
    } catch (error) {
      this.settings.errors.warn(
        `retry ${stream}`,
        error,
        "could not record a retry; leaving the entry pending",
      );
      return false;
    }
  }

  private async acknowledge(entry: HeldEntry, duplicate: boolean): Promise<void> {
    const { metrics, topic, options, errors, stream } = this.settings;
    const labels = { topic: topic.name, group: options.group };
    const eventId = entry.envelope?.id;
    if (eventId !== undefined) this.recent.add(eventId);
    const acked = this.closed
      ? undefined
      : this.acknowledger.ack(entry.entryId, options.idempotency ? eventId : undefined);
    // The slot frees once the ack is queued, not answered: the next read overlaps the
    // ack's round trip instead of waiting for it. `stop` waits for acks in flight.
    this.release(entry);
    try {
      await acked;
      if (duplicate) metrics.duplicates.inc(labels);
      else if (entry.envelope) metrics.handled.inc(labels);
    } catch (error) {
      // Left pending: it comes back after the idle threshold, and the mark (if it was
      // written) makes that delivery skip the handler.
      errors.error(`ack ${stream}`, error, "acknowledging failed; the entry stays pending");
    }
  }

  private async deadLetter(
    entry: HeldEntry,
    input: Omit<DeadLetterInput, "handler">,
  ): Promise<void> {
    const { options, metrics, topic, stream, deadLetterStream, logger, errors } = this.settings;
    try {
      await moveToDeadLetter(
        this.commands,
        {
          stream,
          deadLetterStream,
          group: options.group,
          entryId: entry.entryId,
          fields: entry.fields,
        },
        { ...input, handler: options.name },
      );
      metrics.deadLettered.inc({ topic: topic.name, group: options.group, reason: input.reason });
      logger.error(
        {
          correlationId: entry.envelope?.correlationId,
          eventId: entry.envelope?.id,
          entryId: entry.entryId,
          topic: topic.name,
          reason: input.reason,
          error: input.error,
          attempts: input.attempts,
        },
        "event dead-lettered",
      );
    } catch (error) {
      errors.error(
        `dead-letter ${stream}`,
        error,
        "dead-lettering failed; the entry stays pending",
      );
    } finally {
      this.release(entry);
    }
  }

  private release(entry: HeldEntry): void {
    this.held.delete(entry.entryId);
    this.wakeReader?.();
    if (this.held.size === 0) this.whenDrained?.();
  }

  private async reclaim(): Promise<void> {
    const { stream, errors, logger } = this.settings;
    if (this.stopping || this.reclaiming || this.freeSlots <= 0) return;
    this.reclaiming = true;
    try {
      const batch = await this.reclaimer.claim(this.freeSlots);
      errors.clear(`reclaim ${stream}`);
      if (batch.deletedIds.length > 0) {
        logger.warn(
          { stream, entryIds: batch.deletedIds },
          "pending entries were trimmed before being handled",
        );
      }
      if (batch.entries.length > 0) {
        logger.info(
          { stream, count: batch.entries.length },
          "reclaimed entries left pending by another consumer",
        );
        await this.accept(batch.entries);
      }
    } catch (error) {
      if (isNoGroupError(error)) await this.recoverGroup();
      else errors.error(`reclaim ${stream}`, error, `reclaiming on ${stream} failed`);
    } finally {
      this.reclaiming = false;
    }
  }

  private async heartbeat(): Promise<void> {
    const { stream, options, consumer, errors, logger } = this.settings;
    if (this.held.size === 0) return;
    try {
      const lostIds = await refreshClaims(this.commands, stream, options.group, consumer, [
        ...this.held.keys(),
      ]);
      for (const entryId of lostIds) {
        const entry = this.held.get(entryId);
        if (!entry) continue;
        entry.lost = true;
        logger.warn({ stream, entryId }, "another consumer reclaimed an entry this one still held");
        if (entry.envelope && this.lanes.remove(entry.envelope.partitionKey, entry))
          this.release(entry);
        entry.cancelWait?.();
      }
    } catch (error) {
      errors.warn(`heartbeat ${stream}`, error, "refreshing claims failed");
    }
  }

  /** The group vanished (Redis restarted without persistence): create it again from the start. */
  private async recoverGroup(): Promise<void> {
    const { stream, options, errors } = this.settings;
    try {
      if (await ensureGroup(this.commands, stream, options.group, "0")) {
        errors.warn(
          `group ${stream}`,
          undefined,
          `consumer group ${options.group} on ${stream} was missing; recreated`,
        );
      }
    } catch (error) {
      errors.error(
        `group ${stream}`,
        error,
        `recreating consumer group ${options.group} on ${stream} failed`,
      );
      await delay(1_000, undefined, { signal: this.abort.signal, ref: false }).catch(() => {});
    }
  }

  /** Remove this consumer from the group when it leaves nothing pending, so groups do not fill with the dead. */
  private async forgetConsumerIfIdle(): Promise<void> {
    const { stream, options, consumer } = this.settings;
    try {
      const pending = (await this.commands.xpending(
        stream,
        options.group,
        "-",
        "+",
        1,
        consumer,
      )) as unknown[];
      if (pending.length === 0)
        await this.commands.xgroup("DELCONSUMER", stream, options.group, consumer);
    } catch {
      // Only housekeeping: a consumer left behind is harmless.
    }
  }
}
