import { setTimeout as delay } from "node:timers/promises";
import { type Catalog, partitionsOf, type TopicDefinition } from "@retail/contracts";
import type { Logger } from "pino";
import { Acknowledger } from "./acknowledger.js";
import { EntryFailures } from "./entry-failures.js";
import { EntryIntake } from "./entry-intake.js";
import { EntryOutcomes } from "./entry-outcomes.js";
import { abandonTimedOut, EntryRunner } from "./entry-runner.js";
import type { Envelope } from "./envelope.js";
import { BusClosedError } from "./errors.js";
import { leaveGroupIfIdle } from "./group-membership.js";
import { HandlerSlots } from "./handler-slots.js";
import { Heartbeat } from "./heartbeat.js";
import type { CheckedEntry } from "./held-entry.js";
import type { ProcessedEvents } from "./idempotency.js";
import type { PartitionKeys } from "./keys.js";
import { streamKey } from "./keys.js";
import { KeyLanes } from "./lanes.js";
import type { Fence } from "./lease.js";
import { LeaseParking } from "./lease-parking.js";
import type { BusMetrics } from "./metrics.js";
import { PartitionOwnership } from "./ownership.js";
import { OwnedReadLoop } from "./ownership-read-loop.js";
import { ParkedTaker } from "./parked-taker.js";
import { Parking } from "./parking.js";
import { Lifecycle, type PartitionScope } from "./partition-scope.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { ReadLoop } from "./read-loop.js";
import { ensureGroup, startId } from "./reader.js";
import { RecentIds } from "./recent-ids.js";
import { Reclaimer } from "./reclaimer.js";
import { beforeDeadline, type Connections } from "./redis.js";
import type { HandlerContext, ResolvedSubscribeOptions } from "./subscription.js";
import { Upkeep } from "./upkeep.js";

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

/**
 * Consumes one partition stream of one subscription. With competing consumers (the
 * default) it handles the partition from the start, beside the group's other instances.
 * With `ordering: "per-key"` a `PartitionOwnership` decides: this instance handles the
 * partition only while it holds the partition's lease, each tenure through a consumer
 * of its own, fenced by the lease's token.
 */
export class PartitionConsumer<C extends Catalog> {
  private readonly work: PartitionWork<C> | undefined;
  private readonly ownership: PartitionOwnership | undefined;

  constructor(settings: PartitionConsumerSettings<C>) {
    const { topic, keys, options, consumer, connections, logger, errors } = settings;
    if (options.ordering !== "per-key") {
      this.work = new PartitionWork(settings, undefined);
      return;
    }
    const partitions = partitionsOf(topic);
    const partition = Array.from({ length: partitions }, (_, index) => index).find(
      (index) => streamKey(topic.name, index) === keys.stream,
    );
    if (partition === undefined)
      throw new RangeError(`${keys.stream} is not a partition of ${topic.name}`);
    this.ownership = new PartitionOwnership({
      topic: topic.name,
      partition,
      partitions,
      group: options.group,
      instance: consumer,
      commands: connections.commands,
      leaseTtlMs: options.leaseTtlMs,
      drainMs: options.handlerTimeoutMs,
      logger,
      errors,
      tenure: (fence) => new PartitionWork(settings, fence),
    });
  }

  /** True while it reads (competing), or keeps its ownership and its tenure reads (per-key). */
  get reading(): boolean {
    return this.ownership ? this.ownership.reading : (this.work?.reading ?? false);
  }

  async start(): Promise<void> {
    await (this.ownership ?? this.work)?.start();
  }

  /** See `PartitionWork.stop`; with per-key order, the partition is handed over as well. */
  async stop(deadline: number): Promise<void> {
    await (this.ownership ?? this.work)?.stop(deadline);
  }
}

/**
 * Consumes one partition stream (for one tenure, with per-key order). It puts its parts
 * together and runs their timers; each part gets the collaborators it uses, never the
 * consumer:
 *
 * - `ReadLoop` reads only as many entries as there are free `HandlerSlots` (with per-key
 *   order, `OwnedReadLoop`: first what earlier holders of the partition left pending,
 *   then new entries, each fenced by the lease's token);
 * - `EntryIntake` checks arriving entries, drops duplicates and queues the rest on
 *   `KeyLanes`, which run same-key entries one at a time in stream order;
 * - `EntryRunner` runs a handler attempt and tells `EntryOutcomes` how it ended
 *   (acknowledged, parked through `EntryFailures`, dead-lettered, handed over);
 * - `ParkedTaker` takes parked entries back when due; `Upkeep` reclaims what dead
 *   consumers left pending (not with per-key order) and watches for trimming; `Heartbeat` keeps the claims of
 *   what this consumer holds alive while handlers run.
 */
class PartitionWork<C extends Catalog> {
  private readonly lifecycle = new Lifecycle();
  private readonly lanes = new KeyLanes<CheckedEntry>((entry) => this.run(entry));
  private readonly slots: HandlerSlots;
  private readonly acknowledger: Acknowledger;
  private readonly outcomes: EntryOutcomes;
  private readonly runner: EntryRunner<C>;
  private readonly reader: ReadLoop | OwnedReadLoop;
  private readonly taker: ParkedTaker;
  private readonly upkeep: Upkeep;
  private readonly heartbeat: Heartbeat;
  private timers: NodeJS.Timeout[] = [];
  private readonly consumer: string;

  constructor(
    private readonly settings: PartitionConsumerSettings<C>,
    /** With per-key order: this tenure's hold on the partition's lease. */
    private readonly fence: Fence | undefined,
  ) {
    const { topic, keys, options, connections, processed, logger, errors, metrics } = settings;
    // Each tenure is a consumer of its own: what an earlier one still holds, or does
    // late, is told apart from this one's in the group's pending list.
    const consumer = fence ? `${settings.consumer}#${fence.token}` : settings.consumer;
    this.consumer = consumer;
    const { lanes, lifecycle } = this;
    const commands = connections.commands;
    const labels = { topic: topic.name, group: options.group };
    const scope: PartitionScope = {
      topic,
      keys,
      options,
      consumer,
      commands,
      labels,
      logger,
      errors,
      metrics,
      lifecycle,
    };
    const slots = new HandlerSlots(options.concurrency, lanes);
    this.slots = slots;
    const recent = new RecentIds(10_000);
    this.acknowledger = new Acknowledger(
      commands,
      keys,
      options.group,
      consumer,
      options.idempotency ? processed : undefined,
      {
        acknowledged(handled, duplicates, refused) {
          if (handled > 0) metrics.handled.inc(labels, handled);
          if (duplicates > 0) metrics.duplicates.inc(labels, duplicates);
          if (refused > 0) metrics.refused.inc(labels, refused);
          // A fenced ack is refused only once another instance holds the lease.
          if (refused > 0) fence?.lost();
        },
        failed(error) {
          errors.error(
            `ack ${keys.stream}`,
            error,
            "acknowledging failed; the entries stay pending",
          );
        },
      },
      fence && { lease: fence.lease, token: fence.token },
    );
    const parking = fence
      ? new LeaseParking(commands, keys, options.group, consumer, options.name, fence)
      : new Parking(commands, keys, options.group, consumer, options.name);
    const parked = (due: number) => this.taker.schedule(due);
    const failures = new EntryFailures({ ...scope, parking, parked });
    const acknowledger = this.acknowledger;
    const outcomes = new EntryOutcomes({ ...scope, slots, acknowledger, failures, recent });
    this.outcomes = outcomes;
    const contextSource = {
      logger,
      group: options.group,
      processedKey: processed.key,
      signal: lifecycle.signal,
    };
    const { handler } = settings;
    this.runner = new EntryRunner({ ...scope, handler, contextSource, failures, outcomes, recent });
    const intake = new EntryIntake({ ...scope, processed, slots, lanes, outcomes });
    this.reader = fence
      ? new OwnedReadLoop({ ...scope, connections, slots, intake, outcomes, failures, fence })
      : new ReadLoop({ ...scope, connections, slots, intake, outcomes });
    const taker = new ParkedTaker({ ...scope, parking, slots, intake, failures });
    this.taker = taker;
    const reclaimer = fence
      ? undefined
      : new Reclaimer(commands, keys, options.group, consumer, options.claimIdleMs, options.name);
    const upkeepParts = { slots, lanes, intake, failures, reclaimer, parking, taker };
    this.upkeep = new Upkeep({ ...scope, ...upkeepParts });
    this.heartbeat = new Heartbeat({ ...scope, slots, lanes, outcomes });
  }

  /** True while the read loop runs. */
  get reading(): boolean {
    return this.reader.reading;
  }

  /** An entry's turn came: run it, unless this tenure's fence has ended (left pending for the next holder). */
  private run(entry: CheckedEntry) {
    if (this.fence && !this.fence.valid()) {
      this.outcomes.release(entry);
      return undefined;
    }
    return this.runner.run(entry);
  }

  async start(): Promise<void> {
    const { keys, options, connections } = this.settings;
    await ensureGroup(connections.commands, keys.stream, options.group, startId(options.startFrom));
    // A tenure may end while it starts (its lease ran out while Redis was slow to answer).
    if (this.lifecycle.stopping) return;
    this.reader.start();
    const sweepEvery = Math.max(10, Math.min(1_000, Math.floor(options.handlerTimeoutMs / 4)));
    this.timers.push(
      setInterval(() => void this.upkeep.run(), options.reclaimIntervalMs),
      setInterval(() => abandonTimedOut(this.slots.entries(), options), sweepEvery),
      setInterval(
        () => void this.heartbeat.beat(),
        Math.max(1, Math.floor(options.claimIdleMs / 3)),
      ),
    );
    this.taker.schedule(Date.now());
  }

  /**
   * Stop reading, hand the entries not started yet to the group (parked, due at once,
   * their delivery not counted), let running handlers finish until `deadline` (epoch
   * ms), acknowledge what finished, and leave the rest pending for another consumer.
   */
  async stop(deadline: number): Promise<void> {
    const { keys, options, connections, logger } = this.settings;
    const consumer = this.consumer;
    this.lifecycle.stopping = true;
    this.reader.cancel();
    const [upkeepTimer, sweepTimer, heartbeatTimer] = this.timers;
    clearInterval(upkeepTimer);
    this.taker.stop();
    const handingOver = this.outcomes.handOver(
      this.lanes.takeWaiting().map(({ item, behind }) => ({ entry: item, behind })),
    );
    await this.reader.stop();
    await beforeDeadline(Promise.all([handingOver, this.outcomes.handedOver()]), deadline).catch(
      () => {},
    );
    if (this.slots.size > 0) {
      const timeout = delay(Math.max(0, deadline - Date.now()), undefined, { ref: false });
      await Promise.race([this.slots.empty(), timeout]);
    }
    clearInterval(heartbeatTimer);
    clearInterval(sweepTimer);
    // Let the acks of finished handlers land before leaving the group or closing connections.
    await beforeDeadline(this.acknowledger.idle(), deadline).catch(() => {});
    if (this.slots.size > 0) {
      logger.warn(
        { stream: keys.stream, running: this.slots.size },
        "shutdown deadline passed with handlers still running; their entries stay pending for another consumer",
      );
      this.lifecycle.abort(new BusClosedError("finish handling the event"));
    } else {
      // Leave the group when nothing is left pending, so groups do not fill with the
      // dead. Only housekeeping: a consumer left behind is harmless.
      const leaving = leaveGroupIfIdle(connections.commands, keys.stream, options.group, consumer);
      await beforeDeadline(
        leaving.catch(() => false),
        deadline,
      ).catch(() => {});
    }
    this.lifecycle.closed = true;
  }
}
