import { setTimeout as delay } from "node:timers/promises";
import type { EntryIntake } from "./entry-intake.js";
import type { EntryOutcomes } from "./entry-outcomes.js";
import { recoverGroup } from "./group-membership.js";
import type { HandlerSlots } from "./handler-slots.js";
import { uncheckedEntry } from "./held-entry.js";
import type { PartitionScope } from "./partition-scope.js";
import { type RawEntry, readNew, readOwnPending } from "./reader.js";
import { type Connections, isNoGroupError, type RedisClient } from "./redis.js";

export interface ReadLoopSettings extends PartitionScope {
  connections: Connections;
  slots: HandlerSlots;
  intake: EntryIntake;
  outcomes: EntryOutcomes;
}

/**
 * Reads one partition stream for the consumer, on a connection of its own (a blocked
 * `XREADGROUP` would stall every other command), asking for no more entries than there
 * are free handler slots, so nothing is delivered to this consumer that it cannot start
 * or hold at once. After a read whose reply may have been lost it reads this consumer's
 * own history first; a lost group is recreated.
 */
export class ReadLoop {
  private blocking: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  /**
   * Ends the read in flight with no entries, for `stop`: a read queued on a connection
   * that is down never settles. One per read — not a race against one long-lived
   * promise, which keeps every read's result alive until it settles (a leak).
   */
  private cancelRead: (() => void) | undefined;
  /** Set when a read may have been lost: read this consumer's own history from here first. */
  private historyFrom: string | undefined;

  constructor(private readonly settings: ReadLoopSettings) {}

  /** True while the loop runs. */
  get reading(): boolean {
    return this.loop !== undefined && !this.settings.lifecycle.stopping;
  }

  start(): void {
    const { connections, consumer } = this.settings;
    const blocking = connections.dedicated(`${consumer}:read`);
    this.blocking = blocking;
    // A read in flight when the connection drops is never answered nor sent again, and
    // Redis may have delivered its entries: give it up, and read this consumer's own
    // history before anything newer.
    blocking.on("close", () => {
      this.historyFrom = "0";
      this.cancelRead?.();
    });
    this.loop = this.readContinuously(blocking);
  }

  /** End the read in flight now (the consumer is stopping): it resolves with no entries. */
  cancel(): void {
    this.cancelRead?.();
  }

  /** Wake the loop if it waits for a slot, drop its connection, and wait for it to end. */
  async stop(): Promise<void> {
    this.settings.slots.wake();
    if (this.blocking) this.settings.connections.release(this.blocking);
    await this.loop;
  }

  private async readContinuously(blocking: RedisClient): Promise<void> {
    const { keys, options, consumer, commands, errors, slots, intake, lifecycle } = this.settings;
    while (!lifecycle.stopping) {
      if (slots.free <= 0) {
        await slots.freed();
        continue;
      }
      try {
        const count = slots.free;
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
        if (lifecycle.stopping) {
          await this.handOverRead(entries);
          break;
        }
        errors.clear(`read ${keys.stream}`);
        await intake.acceptRead(entries);
        // Let handlers that finish at once (within this turn's microtasks) free their
        // slots before the next read asks for as many entries as there are free slots.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        if (lifecycle.stopping) break;
        if (isNoGroupError(error))
          await recoverGroup(commands, keys.stream, options.group, errors, lifecycle.signal);
        else {
          this.historyFrom = "0";
          errors.error(`read ${keys.stream}`, error, `reading ${keys.stream} failed; retrying`);
          await delay(1_000, undefined, { signal: lifecycle.signal, ref: false }).catch(() => {});
        }
      }
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
}
