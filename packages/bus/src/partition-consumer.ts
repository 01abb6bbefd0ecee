import { setTimeout as delay } from "node:timers/promises";
import type { Catalog, TopicDefinition } from "@retail/contracts";
import type { Logger } from "pino";
import { Acknowledger, type AckOutcome } from "./acknowledger.js";
import { checkEntry, type Rejection } from "./check-entry.js";
import { EntryFailures } from "./entry-failures.js";
import { EntryRunner } from "./entry-runner.js";
import type { Envelope } from "./envelope.js";
import { leaveGroupIfIdle } from "./group-membership.js";
import { refreshClaims } from "./heartbeat.js";
import { type HeldEntry, holdEntry } from "./held-entry.js";
import type { ProcessedEvents } from "./idempotency.js";
import { KeyLanes } from "./lanes.js";
import type { BusMetrics } from "./metrics.js";
import type { Publisher } from "./publisher.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { ensureGroup, type RawEntry, readNew, startId } from "./reader.js";
import { RecentIds } from "./recent-ids.js";
import { Reclaimer } from "./reclaimer.js";
import { beforeDeadline, type Connections, isNoGroupError, type RedisClient } from "./redis.js";
import type { HandlerContext, ResolvedSubscribeOptions } from "./subscription.js";

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

/**
 * Consumes one partition stream of one subscription: reads only as many entries as it
 * has free handler slots, runs same-key entries one at a time in stream order, retries
 * with backoff, dead-letters what cannot be handled, reclaims what dead consumers left
 * pending, and keeps its own claims alive while handlers run.
 */
export class PartitionConsumer<C extends Catalog> {
  private readonly held = new Map<string, HeldEntry>();
  private readonly lanes = new KeyLanes<HeldEntry>((entry) => this.runner.run(entry));
  private readonly recent = new RecentIds(10_000);
  private readonly runner: EntryRunner<C>;
  private readonly acknowledger: Acknowledger;
  private readonly failures: EntryFailures;
  private readonly reclaimer: Reclaimer;
  private readonly abort = new AbortController();
  private readonly commands: RedisClient;
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
    const { connections, stream, options, consumer, processed, metrics, errors } = settings;
    this.commands = connections.commands;
    const labels = { topic: settings.topic.name, group: options.group };
    this.acknowledger = new Acknowledger(
      this.commands,
      stream,
      options.group,
      options.idempotency ? processed : undefined,
      {
        acknowledged(handled, duplicates) {
          if (handled > 0) metrics.handled.inc(labels, handled);
          if (duplicates > 0) metrics.duplicates.inc(labels, duplicates);
        },
        failed(error) {
          errors.error(`ack ${stream}`, error, "acknowledging failed; the entries stay pending");
        },
      },
    );
    this.failures = new EntryFailures({ ...settings, commands: this.commands });
    this.runner = new EntryRunner(
      {
        options,
        handler: settings.handler,
        metrics,
        labels,
        failures: this.failures,
        recent: this.recent,
        contextSource: {
          publisher: settings.publisher,
          logger: settings.logger,
          group: options.group,
          commands: this.commands,
          processedKey: processed.key,
          signal: this.abort.signal,
        },
      },
      {
        stopping: () => this.stopping,
        closed: () => this.closed,
        acknowledge: (entry, outcome) => this.acknowledge(entry, outcome),
        release: (entry) => this.release(entry),
        deadLetter: (entry, rejection) => this.deadLetter(entry, rejection),
      },
    );
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
        await this.accept(entries);
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

  /**
   * Take entries into the slots: check them, drop duplicates, queue them by key.
   * `deliveryCounts` is given for reclaimed entries; new ones are on their first.
   */
  private async accept(entries: readonly RawEntry[], deliveryCounts?: readonly number[]) {
    const { topic, options } = this.settings;
    const valid: HeldEntry[] = [];
    for (let index = 0; index < entries.length; index++) {
      const [entryId, fields] = entries[index] as RawEntry;
      if (fields === null || this.held.has(entryId)) continue;
      const entry = holdEntry(entryId, fields, deliveryCounts?.[index] ?? 1);
      this.held.set(entryId, entry);
      const rejection = checkEntry(topic, entry);
      if (rejection) void this.deadLetter(entry, rejection);
      else if (entry.replayFor !== undefined && entry.replayFor !== options.group)
        this.acknowledge(entry, "skipped");
      else valid.push(entry);
    }
    const alreadyDone = options.idempotency ? await this.alreadyProcessed(valid) : [];
    for (let index = 0; index < valid.length; index++) {
      const entry = valid[index] as HeldEntry;
      if (alreadyDone[index]) this.acknowledge(entry, "duplicate");
      else this.lanes.add((entry.envelope as Envelope).partitionKey, entry);
    }
    if (valid.length > 0)
      this.settings.logger.trace({ topic: topic.name, count: valid.length }, "accepted entries");
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

  /**
   * Queue the entry's ack; the slot frees at once, not when Redis answers: the next
   * read overlaps the ack's round trip. `stop` waits for acks in flight.
   */
  private acknowledge(entry: HeldEntry, outcome: AckOutcome): void {
    const { idempotency } = this.settings.options;
    const eventId = idempotency ? entry.envelope?.id : undefined;
    if (eventId !== undefined) this.recent.add(eventId);
    if (!this.closed) this.acknowledger.ack(entry.entryId, eventId, outcome);
    this.release(entry);
  }

  private async deadLetter(entry: HeldEntry, rejection: Rejection): Promise<void> {
    try {
      await this.failures.deadLetter(entry, rejection);
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
        await this.accept(batch.entries, batch.deliveryCounts);
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
      await leaveGroupIfIdle(this.commands, stream, options.group, consumer);
    } catch {
      // Only housekeeping: a consumer left behind is harmless.
    }
  }
}
