import { setTimeout as delay } from "node:timers/promises";
import type { EntryFailures } from "./entry-failures.js";
import type { EntryIntake } from "./entry-intake.js";
import type { EntryOutcomes } from "./entry-outcomes.js";
import { recoverGroup } from "./group-membership.js";
import type { HandlerSlots } from "./handler-slots.js";
import { uncheckedEntry } from "./held-entry.js";
import {
  type Fence,
  fencedRead,
  LeaseLostError,
  type TakenOverEntry,
  takeOverPending,
} from "./lease.js";
import { PARKED_CONSUMER } from "./parking.js";
import type { PartitionScope } from "./partition-scope.js";
import type { RawEntry } from "./reader.js";
import type { Connections, RedisClient } from "./redis.js";

export interface OwnedReadLoopSettings extends PartitionScope {
  connections: Connections;
  slots: HandlerSlots;
  intake: EntryIntake;
  outcomes: EntryOutcomes;
  failures: EntryFailures;
  fence: Fence;
}

/** Where the walk over the group's pending entries goes on from. */
interface Backlog {
  after: string;
  /** Parked entries too: at the start of a tenure, not after a lost reply. */
  withParked: boolean;
}

/**
 * Reads one partition for the tenure holding its lease (`ordering: "per-key"`). First it
 * takes every entry still pending in the group there — what the previous holder left,
 * parked entries included — in stream order, as many at a time as there are free slots;
 * only then does it read new entries. Both are fenced by the lease's token: once another
 * instance was granted the lease, this one can take nothing more (`LeaseLostError` ends
 * the tenure).
 *
 * A fenced read is a script, and scripts cannot block: with nothing new, it waits on a
 * plain `XREAD BLOCK` past the stream's last id, which delivers nothing to the group. The
 * reads go on a connection of their own that never sends a command twice: after a read
 * whose reply was lost it walks the pending entries again (its own among them), before
 * anything newer.
 */
export class OwnedReadLoop {
  private connection: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  /** Ends the wait for new entries in flight (the consumer stops, or the connection dropped). */
  private cancelWait: (() => void) | undefined;
  private backlog: Backlog | undefined = { after: "-", withParked: true };

  constructor(private readonly settings: OwnedReadLoopSettings) {}

  /** True while the loop runs. */
  get reading(): boolean {
    return this.loop !== undefined && !this.settings.lifecycle.stopping;
  }

  start(): void {
    const { connections, consumer } = this.settings;
    const connection = connections.dedicated(`${consumer}:read`);
    this.connection = connection;
    connection.on("close", () => this.cancelWait?.());
    this.loop = this.readContinuously(connection);
  }

  /** End the wait in flight now (the consumer is stopping). */
  cancel(): void {
    this.cancelWait?.();
  }

  /** Wake the loop if it waits for a slot, drop its connection, and wait for it to end. */
  async stop(): Promise<void> {
    this.settings.slots.wake();
    if (this.connection) this.settings.connections.release(this.connection);
    await this.loop;
  }

  private async readContinuously(connection: RedisClient): Promise<void> {
    const { keys, options, commands, errors, slots, intake, lifecycle, fence } = this.settings;
    while (!lifecycle.stopping && fence.valid()) {
      if (slots.free <= 0) {
        await slots.freed();
        continue;
      }
      try {
        const backlog = this.backlog;
        if (backlog) {
          await this.takeBacklog(connection, backlog, slots.free);
          continue;
        }
        const { entries, waitAfter } = await fencedRead(connection, this.partition(), slots.free);
        if (lifecycle.stopping) {
          await this.handOverRead(entries);
          break;
        }
        errors.clear(`read ${keys.stream}`);
        if (entries.length > 0) {
          await intake.acceptRead(entries);
          // Let handlers that finish at once free their slots before the next read.
          await new Promise<void>((resolve) => setImmediate(resolve));
        } else if (waitAfter !== undefined) await this.waitForNew(connection, waitAfter);
      } catch (error) {
        if (lifecycle.stopping) break;
        if (error instanceof LeaseLostError) {
          fence.lost();
          break;
        }
        // The reply may be lost with entries Redis delivered: walk the pending ones again.
        this.backlog = { after: "-", withParked: false };
        if (String((error as Error)?.message ?? "").includes("NOGROUP")) {
          await recoverGroup(commands, keys.stream, options.group, errors, lifecycle.signal);
          this.backlog = { after: "-", withParked: true };
        } else {
          errors.error(`read ${keys.stream}`, error, `reading ${keys.stream} failed; retrying`);
          await delay(1_000, undefined, { signal: lifecycle.signal, ref: false }).catch(() => {});
        }
      }
    }
  }

  /** One batch of the pending entries, into the lanes in stream order. */
  private async takeBacklog(
    connection: RedisClient,
    backlog: Backlog,
    count: number,
  ): Promise<void> {
    const { keys, options, labels, logger, metrics, intake, failures } = this.settings;
    const batch = await takeOverPending(
      connection,
      { ...this.partition(), ...keys },
      { ...backlog, count, parkedConsumer: PARKED_CONSUMER, handler: options.name },
    );
    this.backlog = batch.through
      ? undefined
      : { after: batch.last ?? backlog.after, withParked: backlog.withParked };
    failures.reportTrimmed(
      batch.trimmed.map((gone) => gone.entryId),
      batch.trimmed.filter((gone) => gone.deadLettered).length,
    );
    const fromOthers = batch.entries.filter((taken) => taken.from !== "own").length;
    if (fromOthers > 0) {
      metrics.reclaimed.inc(labels, fromOthers);
      logger.info(
        { stream: keys.stream, count: fromOthers },
        "took over entries pending in the partition before reading new ones",
      );
    }
    // In stream order: an entry another consumer held counts a stall if it never
    // finished there (reclaimed); parked ones and this consumer's own do not.
    for (const run of runsByArrival(batch.entries))
      await intake.acceptTaken(run.entries, run.arrival);
  }

  /** Block until the stream has an entry after `lastId`, or `blockMs` passed, or the wait is cancelled. */
  private async waitForNew(connection: RedisClient, lastId: string): Promise<void> {
    const { keys, options, errors, lifecycle } = this.settings;
    try {
      await new Promise<void>((resolve, reject) => {
        this.cancelWait = resolve;
        connection
          .call("XREAD", "COUNT", 1, "BLOCK", options.blockMs, "STREAMS", keys.stream, lastId)
          .then(() => resolve(), reject);
      }).finally(() => {
        this.cancelWait = undefined;
      });
    } catch (error) {
      if (lifecycle.stopping) return;
      // Nothing was delivered by a plain XREAD: only the wait is lost.
      errors.warn(`wait ${keys.stream}`, error, `waiting on ${keys.stream} failed; retrying`);
      await delay(1_000, undefined, { signal: lifecycle.signal, ref: false }).catch(() => {});
    }
  }

  /** Entries read as the consumer stopped: delivered to it, so handed over as well, unchecked. */
  private async handOverRead(entries: readonly RawEntry[]): Promise<void> {
    const { slots, outcomes } = this.settings;
    const read = entries.flatMap(([entryId, fields]) =>
      fields ? [{ entry: uncheckedEntry(entryId, fields, 1), behind: undefined }] : [],
    );
    for (const { entry } of read) slots.hold(entry);
    await outcomes.handOver(read);
  }

  private partition() {
    const { keys, options, consumer, fence } = this.settings;
    return {
      stream: keys.stream,
      lease: fence.lease,
      group: options.group,
      consumer,
      token: fence.token,
    };
  }
}

/** Consecutive entries of one arrival kind, in the order given. */
function runsByArrival(
  entries: readonly TakenOverEntry[],
): { arrival: "taken" | "reclaimed"; entries: TakenOverEntry[] }[] {
  const runs: { arrival: "taken" | "reclaimed"; entries: TakenOverEntry[] }[] = [];
  for (const taken of entries) {
    const arrival = taken.from === "held" ? "reclaimed" : "taken";
    const last = runs.at(-1);
    if (last?.arrival === arrival) last.entries.push(taken);
    else runs.push({ arrival, entries: [taken] });
  }
  return runs;
}
