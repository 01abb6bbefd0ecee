import { setTimeout as delay } from "node:timers/promises";
import type { Catalog, TopicDefinition } from "@retail/contracts";
import type { Logger } from "pino";
import { Acknowledger, type AckOutcome } from "./acknowledger.js";
import { checkEntry, type Rejection, replayedForAnother } from "./check-entry.js";
import { deliveryBudgetSpent, EntryFailures } from "./entry-failures.js";
import { EntryRunner, timeoutError } from "./entry-runner.js";
import type { Envelope } from "./envelope.js";
import { leaveGroupIfIdle } from "./group-membership.js";
import { refreshClaims } from "./heartbeat.js";
import { type HeldEntry, holdEntry } from "./held-entry.js";
import type { ProcessedEvents } from "./idempotency.js";
import type { PartitionKeys } from "./keys.js";
import { KeyLanes, type ParkedHead } from "./lanes.js";
import type { BusMetrics } from "./metrics.js";
import { Parking, type TakenEntry } from "./parking.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { ensureGroup, type RawEntry, readNew, readOwnPending, startId } from "./reader.js";
import { RecentIds } from "./recent-ids.js";
import { Reclaimer } from "./reclaimer.js";
import { beforeDeadline, type Connections, isNoGroupError, type RedisClient } from "./redis.js";
import type { HandlerContext, ResolvedSubscribeOptions } from "./subscription.js";
import { countTrimmedUnread } from "./trim-watch.js";

export interface PartitionConsumerSettings<C extends Catalog> {
  topic: TopicDefinition;
  keys: PartitionKeys;
  options: ResolvedSubscribeOptions;
  /** This process's consumer name in the group. */
  consumer: string;
  connections: Connections;
  processed: ProcessedEvents;
  /** The subscription's handler; payloads reach it only after passing the topic's schema. */
  handler: (event: Envelope, context: HandlerContext<C>) => Promise<void> | void;
  logger: Logger;
  errors: RateLimitedLog;
  metrics: BusMetrics;
}

/** How an entry reached this consumer: the checks before its handler differ. */
type Arrival = "read" | "reclaimed" | "taken";

/** Entries waiting behind a parked one hold no slot, up to this many times the slots. */
const WAITING_PER_SLOT = 10;

/**
 * Consumes one partition stream of one subscription: reads only as many entries as it
 * has free handler slots, runs same-key entries one at a time in stream order, parks
 * failed entries in Redis until their retry is due, dead-letters what cannot be
 * handled, reclaims what dead consumers left pending, and keeps its own claims alive
 * while handlers run.
 */
export class PartitionConsumer<C extends Catalog> {
  private readonly held = new Map<string, HeldEntry>();
  private readonly lanes = new KeyLanes<HeldEntry>((entry) => this.runner.run(entry));
  private readonly recent = new RecentIds(10_000);
  private readonly runner: EntryRunner<C>;
  private readonly acknowledger: Acknowledger;
  private readonly failures: EntryFailures;
  private readonly parking: Parking;
  private readonly reclaimer: Reclaimer;
  private readonly abort = new AbortController();
  private readonly commands: RedisClient;
  private readonly labels: { topic: string; group: string };
  private blocking: RedisClient | undefined;
  private readLoop: Promise<void> | undefined;
  private wakeReader: (() => void) | undefined;
  private whenDrained: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private takeTimer: NodeJS.Timeout | undefined;
  private takeAt = Number.POSITIVE_INFINITY;
  /** A take found no free slot: the next freed slot runs it. */
  private takeWanted = false;
  /** Hand-overs of entries whose turn came during shutdown, still being written. */
  private readonly handOvers = new Set<Promise<void>>();
  private taking = false;
  private reclaiming = false;
  private stopping = false;
  /**
   * Ends the read in flight with no entries, for `stop`: a read queued on a connection
   * that is down never settles. One per read — not a race against one long-lived
   * promise, which keeps every read's result alive until it settles (a leak).
   */
  private cancelRead: (() => void) | undefined;
  /** Set when a read may have been lost: read this consumer's own history from here first. */
  private historyFrom: string | undefined;
  private closed = false;

  constructor(private readonly settings: PartitionConsumerSettings<C>) {
    const { connections, keys, options, consumer, processed, metrics, errors } = settings;
    this.commands = connections.commands;
    const labels = { topic: settings.topic.name, group: options.group };
    this.labels = labels;
    this.acknowledger = new Acknowledger(
      this.commands,
      keys,
      options.group,
      consumer,
      options.idempotency ? processed : undefined,
      {
        acknowledged(handled, duplicates, refused) {
          if (handled > 0) metrics.handled.inc(labels, handled);
          if (duplicates > 0) metrics.duplicates.inc(labels, duplicates);
          if (refused > 0) metrics.refused.inc(labels, refused);
        },
        failed(error) {
          errors.error(
            `ack ${keys.stream}`,
            error,
            "acknowledging failed; the entries stay pending",
          );
        },
      },
    );
    this.parking = new Parking(this.commands, keys, options.group, consumer, options.name);
    this.failures = new EntryFailures({
      ...settings,
      commands: this.commands,
      parking: this.parking,
      stopping: () => this.stopping,
      parked: (due) => this.scheduleTake(due),
    });
    this.runner = new EntryRunner(
      {
        options,
        handler: settings.handler,
        metrics,
        labels,
        failures: this.failures,
        recent: this.recent,
        contextSource: {
          logger: settings.logger,
          group: options.group,
          processedKey: processed.key,
          signal: this.abort.signal,
        },
      },
      {
        stopping: () => this.stopping,
        closed: () => this.closed,
        acknowledge: (entry, outcome) => this.acknowledge(entry, outcome),
        release: (entry) => this.release(entry),
        handOver: (entry) => this.handOverLate(entry),
        parkUnknownVersion: (entry) => this.parkUnknownVersion(entry),
      },
    );
    this.reclaimer = new Reclaimer(
      this.commands,
      keys,
      options.group,
      consumer,
      options.claimIdleMs,
      options.name,
    );
  }

  /** True while the read loop runs. */
  get reading(): boolean {
    return this.readLoop !== undefined && !this.stopping;
  }

  async start(): Promise<void> {
    const { keys, options, connections, consumer } = this.settings;
    await ensureGroup(this.commands, keys.stream, options.group, startId(options.startFrom));
    this.blocking = connections.dedicated(`${consumer}:read`);
    // A read in flight when the connection drops is never answered nor sent again, and
    // Redis may have delivered its entries: give it up, and read this consumer's own
    // history before anything newer.
    this.blocking.on("close", () => {
      this.historyFrom = "0";
      this.cancelRead?.();
    });
    this.readLoop = this.readContinuously();
    const sweepEvery = Math.max(10, Math.min(1_000, Math.floor(options.handlerTimeoutMs / 4)));
    this.timers.push(
      setInterval(() => void this.upkeep(), options.reclaimIntervalMs),
      setInterval(() => this.sweepTimedOut(), sweepEvery),
      setInterval(() => void this.heartbeat(), Math.max(1, Math.floor(options.claimIdleMs / 3))),
    );
    this.scheduleTake(Date.now());
  }

  /**
   * Stop reading, hand the entries not started yet to the group (parked, due at once,
   * their delivery not counted), let running handlers finish until `deadline` (epoch
   * ms), acknowledge what finished, and leave the rest pending for another consumer.
   */
  async stop(deadline: number): Promise<void> {
    this.stopping = true;
    this.cancelRead?.();
    const [upkeepTimer, sweepTimer, heartbeatTimer] = this.timers;
    clearInterval(upkeepTimer);
    clearTimeout(this.takeTimer);
    const handingOver = this.handOver(
      this.lanes.takeWaiting().map(({ item, behind }) => ({ entry: item, behind })),
    );
    this.wakeReader?.();
    if (this.blocking) this.settings.connections.release(this.blocking);
    await this.readLoop;
    await beforeDeadline(Promise.all([handingOver, ...this.handOvers]), deadline).catch(() => {});
    if (this.held.size > 0) {
      const drained = new Promise<void>((resolve) => {
        this.whenDrained = resolve;
      });
      const timeout = delay(Math.max(0, deadline - Date.now()), undefined, { ref: false });
      await Promise.race([drained, timeout]);
    }
    clearInterval(heartbeatTimer);
    clearInterval(sweepTimer);
    // Let the acks of finished handlers land before leaving the group or closing connections.
    await beforeDeadline(this.acknowledger.idle(), deadline).catch(() => {});
    if (this.held.size > 0) {
      this.settings.logger.warn(
        { stream: this.settings.keys.stream, running: this.held.size },
        "shutdown deadline passed with handlers still running; their entries stay pending for another consumer",
      );
      this.abort.abort(new Error("bus closed"));
    } else {
      await beforeDeadline(this.forgetConsumerIfIdle(), deadline).catch(() => {});
    }
    this.closed = true;
  }

  /** Slots free for more entries: entries waiting behind a parked one hold none, within a bound. */
  private get freeSlots(): number {
    const { concurrency } = this.settings.options;
    return Math.min(
      concurrency - (this.held.size - this.lanes.parkedWaiting),
      concurrency * WAITING_PER_SLOT - this.held.size,
    );
  }

  private async readContinuously(): Promise<void> {
    const { keys, options, consumer, errors } = this.settings;
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
        const count = this.freeSlots;
        const history = this.historyFrom;
        // Undefined when cancelled: the consumer stops, or the connection dropped (the
        // read may have delivered entries nobody will see: read the history again).
        const entries = await new Promise<RawEntry[] | undefined>((resolve, reject) => {
          this.cancelRead = () => resolve(undefined);
          (history === undefined
            ? readNew(blocking, keys.stream, options.group, consumer, count, options.blockMs)
            : readOwnPending(blocking, keys.stream, options.group, consumer, count, history)
          ).then(resolve, reject);
        }).finally(() => {
          this.cancelRead = undefined;
        });
        if (entries === undefined) continue;
        if (history !== undefined && this.historyFrom === history)
          this.historyFrom = entries.length < count ? undefined : entries.at(-1)?.[0];
        if (this.stopping) {
          // Read as the consumer stopped: delivered to it, so hand them over as well.
          const read = entries.flatMap(([entryId, fields]) =>
            fields ? [{ entry: holdEntry(entryId, fields, 1), behind: undefined }] : [],
          );
          for (const { entry } of read) this.held.set(entry.entryId, entry);
          await this.handOver(read);
          break;
        }
        errors.clear(`read ${keys.stream}`);
        await this.accept(entries, "read");
        // Let handlers that finish at once (within this turn's microtasks) free their
        // slots before the next read asks for as many entries as there are free slots.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        if (this.stopping) break;
        if (isNoGroupError(error)) await this.recoverGroup();
        else {
          this.historyFrom = "0";
          errors.error(`read ${keys.stream}`, error, `reading ${keys.stream} failed; retrying`);
          await delay(1_000, undefined, { signal: this.abort.signal, ref: false }).catch(() => {});
        }
      }
    }
  }

  /**
   * Take entries into the slots: check them, drop duplicates, dead-letter what may not
   * run again, queue the rest by key. Read entries are on their first delivery; taken
   * and reclaimed ones carry their deliveries and retry records.
   */
  private async accept(
    entries: readonly RawEntry[] | readonly TakenEntry[],
    arrival: Arrival,
  ): Promise<void> {
    const { topic, options } = this.settings;
    const valid: HeldEntry[] = [];
    for (const arrived of entries) {
      const taken = arrival === "read" ? undefined : (arrived as TakenEntry);
      const [entryId, fields] = taken ? taken.entry : (arrived as RawEntry);
      if (fields === null || this.held.has(entryId)) continue;
      const entry = holdEntry(entryId, fields, taken?.deliveries ?? 1, taken?.record);
      this.held.set(entryId, entry);
      const checked = checkEntry(topic, entry);
      if (checked && "reason" in checked) {
        if (replayedForAnother(fields, options.group)) this.acknowledge(entry, "skipped");
        else void this.deadLetter(entry, checked);
        continue;
      }
      if (entry.replayFor !== undefined && entry.replayFor !== options.group) {
        this.acknowledge(entry, "skipped");
        continue;
      }
      entry.unknownVersion = checked !== undefined;
      valid.push(entry);
    }
    const alreadyDone = options.idempotency ? await this.alreadyProcessed(valid) : [];
    for (let index = 0; index < valid.length; index++) {
      const entry = valid[index] as HeldEntry;
      if (alreadyDone[index]) {
        this.acknowledge(entry, "duplicate");
        continue;
      }
      const spent =
        arrival === "read"
          ? undefined
          : deliveryBudgetSpent(entry, this.settings.options, arrival === "reclaimed");
      if (spent) {
        void this.deadLetter(entry, spent);
        continue;
      }
      const key = (entry.envelope as Envelope).partitionKey;
      // The parked head of its key's lane is back (taken when due, or found again after
      // a lost reply): it goes first, before what waited behind it.
      if (this.lanes.parkedHead(key)?.entryId === entry.entryId) this.lanes.resume(key, entry);
      else this.lanes.add(key, entry);
    }
    if (valid.length > 0)
      this.settings.logger.trace({ topic: topic.name, count: valid.length }, "accepted entries");
  }

  private async alreadyProcessed(entries: HeldEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
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
   * read overlaps the ack's round trip. `stop` waits for acks in flight. A copy skipped
   * for another group leaves no mark: this group's own copy must still run.
   */
  private acknowledge(entry: HeldEntry, outcome: AckOutcome): void {
    const { idempotency } = this.settings.options;
    if (entry.lost) {
      // Another consumer owns it now: its ack is that one's.
      this.settings.metrics.refused.inc(this.labels);
      this.release(entry);
      return;
    }
    const eventId = idempotency && outcome !== "skipped" ? entry.envelope?.id : undefined;
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

  /** Leave an event of an unknown schema version to a consumer that knows it: parked, re-checked later. */
  private async parkUnknownVersion(entry: HeldEntry): Promise<ParkedHead | undefined> {
    const { options, keys, errors } = this.settings;
    const due = Date.now() + options.claimIdleMs;
    try {
      const [parked] = await this.failures.parkUnrun([{ entry, due }], "unknown_version");
      errors.warn(
        `version ${keys.stream}`,
        undefined,
        `an event of ${this.labels.topic} has a schema version newer than this consumer's; left for a consumer that knows it`,
      );
      return parked ? { entryId: entry.entryId, due } : undefined;
    } finally {
      this.release(entry);
    }
  }

  private release(entry: HeldEntry): void {
    if (!this.held.delete(entry.entryId)) return;
    this.wakeReader?.();
    if (this.takeWanted && !this.stopping) {
      this.takeWanted = false;
      void this.takeDue();
    }
    if (this.held.size === 0) this.whenDrained?.();
  }

  /** Take parked entries back (this consumer's or any other's) when they are due. */
  private scheduleTake(due: number): void {
    if (this.stopping || due >= this.takeAt) return;
    clearTimeout(this.takeTimer);
    this.takeAt = due;
    this.takeTimer = setTimeout(
      () => {
        this.takeAt = Number.POSITIVE_INFINITY;
        void this.takeDue();
      },
      Math.max(0, due - Date.now()),
    );
  }

  private async takeDue(): Promise<void> {
    const { keys, errors } = this.settings;
    if (this.stopping || this.taking) return;
    if (this.freeSlots <= 0) {
      this.takeWanted = true;
      return;
    }
    this.taking = true;
    try {
      const count = this.freeSlots;
      const { taken, trimmed, nextDue } = await this.parking.takeDue(count);
      errors.clear(`take ${keys.stream}`);
      // Parked entries always carry a record: each trimmed one was dead-lettered from it.
      this.failures.reportTrimmed(trimmed, trimmed.length);
      if (taken.length > 0) await this.accept(taken, "taken");
      if (taken.length === count) this.takeWanted = true;
      if (nextDue !== undefined) this.scheduleTake(nextDue);
    } catch (error) {
      if (isNoGroupError(error)) await this.recoverGroup();
      else
        errors.error(
          `take ${keys.stream}`,
          error,
          `taking parked entries of ${keys.stream} failed`,
        );
    } finally {
      this.taking = false;
    }
    if (this.takeWanted && this.freeSlots > 0) {
      this.takeWanted = false;
      void this.takeDue();
    }
  }

  /** Every `reclaimIntervalMs`: reclaim from the dead, take due entries, watch for trimming. */
  private async upkeep(): Promise<void> {
    await this.reclaim();
    await this.takeDue();
    await this.watchTrimming();
    await this.unblockLanesTakenElsewhere();
  }

  private async reclaim(): Promise<void> {
    const { keys, errors, logger, metrics } = this.settings;
    if (this.stopping || this.reclaiming || this.freeSlots <= 0) return;
    this.reclaiming = true;
    try {
      const batch = await this.reclaimer.claim(this.freeSlots);
      errors.clear(`reclaim ${keys.stream}`);
      this.failures.reportTrimmed(
        batch.trimmed.map((gone) => gone.entryId),
        batch.trimmed.filter((gone) => gone.deadLettered).length,
      );
      if (batch.entries.length > 0) {
        logger.info(
          { stream: keys.stream, count: batch.entries.length },
          "reclaimed entries left pending by another consumer",
        );
        metrics.reclaimed.inc(this.labels, batch.entries.length);
        await this.accept(batch.entries, "reclaimed");
      }
    } catch (error) {
      if (isNoGroupError(error)) await this.recoverGroup();
      else errors.error(`reclaim ${keys.stream}`, error, `reclaiming on ${keys.stream} failed`);
    } finally {
      this.reclaiming = false;
    }
  }

  /** Entries trimmed before this group read them: counted once per group, and said out loud. */
  private async watchTrimming(): Promise<void> {
    const { keys, options, errors, metrics } = this.settings;
    if (this.stopping) return;
    try {
      const lost = await countTrimmedUnread(this.commands, keys, options.group);
      if (lost === 0) return;
      metrics.trimmed.inc({ ...this.labels, stage: "unread" }, lost);
      errors.warn(
        `trimmed ${keys.stream}`,
        undefined,
        `${lost} entries of ${keys.stream} were trimmed before group ${options.group} read them; they are lost to it (size the retention for the longest outage)`,
      );
    } catch (error) {
      errors.warn(`trim-watch ${keys.stream}`, error, "checking for trimmed entries failed");
    }
  }

  /**
   * A lane waits behind its parked head only while the head may still come back here:
   * once it is overdue, it was taken — by another consumer (the lane goes on without
   * it), or by this one with the reply lost (it is fetched and goes first).
   */
  private async unblockLanesTakenElsewhere(): Promise<void> {
    const { options, errors, keys } = this.settings;
    const overdue = this.lanes
      .parkedHeads()
      .filter(([, head]) => head.due + options.claimIdleMs < Date.now());
    if (overdue.length === 0 || this.stopping) return;
    try {
      const ids = overdue.map(([, head]) => head.entryId);
      const parked = await this.parking.stillParked(ids);
      const gone = ids.filter((_, index) => !parked[index]);
      const unseen = await this.parking.ownedUnseen(gone.filter((id) => !this.held.has(id)));
      if (unseen.length > 0) await this.accept(unseen, "taken");
      const found = new Set(unseen.map(({ entry: [id] }) => id));
      overdue.forEach(([key, head], index) => {
        if (!parked[index] && !found.has(head.entryId) && !this.held.has(head.entryId))
          this.lanes.unblock(key);
      });
    } catch (error) {
      errors.warn(`lanes ${keys.stream}`, error, "checking parked entries failed");
    }
  }

  /** Fail the async attempts that ran past `handlerTimeoutMs`: their entries are retried. */
  private sweepTimedOut(): void {
    const now = Date.now();
    for (const entry of this.held.values()) {
      if (entry.abandon && entry.attemptDeadline <= now)
        entry.abandon(timeoutError(this.settings.options));
    }
  }

  private async heartbeat(): Promise<void> {
    const { keys, options, consumer, errors, logger } = this.settings;
    // Also with nothing held: a clean check takes this consumer off the takeovers hash.
    // The entries as they are now: a reply may come late (a command ioredis sent again
    // after a reconnect), when an id names an entry taken back since, no longer this one.
    const checked = new Map(this.held);
    try {
      const lostIds = await refreshClaims(this.commands, keys, options.group, consumer, [
        ...checked.keys(),
      ]);
      for (const entryId of lostIds) {
        const entry = this.held.get(entryId);
        if (!entry || entry !== checked.get(entryId)) continue;
        entry.lost = true;
        logger.warn(
          { stream: keys.stream, entryId },
          "another consumer reclaimed an entry this one still held",
        );
        if (entry.envelope && this.lanes.remove(entry.envelope.partitionKey, entry))
          this.release(entry);
      }
    } catch (error) {
      errors.warn(`heartbeat ${keys.stream}`, error, "refreshing claims failed");
    }
  }

  /**
   * At shutdown: park entries that did not start, due at once (or just after the parked
   * entry they wait behind, keeping their key's order), so that another consumer takes
   * them at its next look rather than after the idle threshold.
   */
  private async handOver(
    waiting: readonly { entry: HeldEntry; behind: ParkedHead | undefined }[],
  ): Promise<void> {
    if (waiting.length === 0) return;
    const now = Date.now();
    const order = new Map<string, number>();
    const entries = waiting.map(({ entry, behind }) => {
      const key = entry.envelope?.partitionKey ?? "";
      const position = (order.get(key) ?? 0) + 1;
      order.set(key, position);
      return { entry, due: (behind?.due ?? now) + position / 1_000 };
    });
    try {
      await this.failures.parkUnrun(entries, "handover");
    } finally {
      for (const { entry } of entries) this.release(entry);
    }
  }

  /** An entry whose turn came while stopping: handed over rather than run. */
  private handOverLate(entry: HeldEntry): void {
    const handingOver = this.handOver([{ entry, behind: undefined }]);
    this.handOvers.add(handingOver);
    void handingOver.finally(() => this.handOvers.delete(handingOver));
  }

  /** The group vanished (Redis restarted without persistence): create it again from the start. */
  private async recoverGroup(): Promise<void> {
    const { keys, options, errors } = this.settings;
    try {
      if (await ensureGroup(this.commands, keys.stream, options.group, "0")) {
        errors.warn(
          `group ${keys.stream}`,
          undefined,
          `consumer group ${options.group} on ${keys.stream} was missing; recreated`,
        );
      }
    } catch (error) {
      errors.error(
        `group ${keys.stream}`,
        error,
        `recreating consumer group ${options.group} on ${keys.stream} failed`,
      );
      await delay(1_000, undefined, { signal: this.abort.signal, ref: false }).catch(() => {});
    }
  }

  /** Remove this consumer from the group when it leaves nothing pending, so groups do not fill with the dead. */
  private async forgetConsumerIfIdle(): Promise<void> {
    const { keys, options, consumer } = this.settings;
    try {
      await leaveGroupIfIdle(this.commands, keys.stream, options.group, consumer);
    } catch {
      // Only housekeeping: a consumer left behind is harmless.
    }
  }
}
