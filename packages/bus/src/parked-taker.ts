import type { EntryFailures } from "./entry-failures.js";
import type { EntryIntake } from "./entry-intake.js";
import { recoverGroup } from "./group-membership.js";
import type { HandlerSlots } from "./handler-slots.js";
import type { Parking } from "./parking.js";
import type { PartitionScope } from "./partition-scope.js";
import { isNoGroupError } from "./redis.js";

export interface ParkedTakerSettings extends PartitionScope {
  parking: Parking;
  slots: HandlerSlots;
  intake: EntryIntake;
  failures: EntryFailures;
}

/**
 * Takes parked entries back (this consumer's or any other's) when they are due: at the
 * earliest due time it knows of, and whenever asked (the consumer's upkeep). It takes
 * no more than there are free slots; a take that found none, or filled them all, goes
 * on at the next freed slot.
 */
export class ParkedTaker {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** A take found no free slot: the next freed slot runs it. */
  private wanted = false;
  private taking = false;

  constructor(private readonly settings: ParkedTakerSettings) {
    settings.slots.onFreed(() => {
      if (this.wanted && !settings.lifecycle.stopping) {
        this.wanted = false;
        void this.takeDue();
      }
    });
  }

  /** Take what is due at `due` (epoch ms), unless a take is scheduled earlier already. */
  schedule(due: number): void {
    if (this.settings.lifecycle.stopping || due >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = due;
    this.timer = setTimeout(
      () => {
        this.timerAt = Number.POSITIVE_INFINITY;
        void this.takeDue();
      },
      Math.max(0, due - Date.now()),
    );
  }

  /** No more takes are scheduled (the consumer is stopping). */
  stop(): void {
    clearTimeout(this.timer);
  }

  async takeDue(): Promise<void> {
    const { keys, options, commands, errors, parking, slots, intake, failures, lifecycle } =
      this.settings;
    if (lifecycle.stopping || this.taking) return;
    if (slots.free <= 0) {
      this.wanted = true;
      return;
    }
    this.taking = true;
    try {
      const count = slots.free;
      const { taken, trimmed, nextDue } = await parking.takeDue(count);
      errors.clear(`take ${keys.stream}`);
      // Parked entries always carry a record: each trimmed one was dead-lettered from it.
      failures.reportTrimmed(trimmed, trimmed.length);
      if (taken.length > 0) await intake.acceptTaken(taken, "taken");
      if (taken.length === count) this.wanted = true;
      if (nextDue !== undefined) this.schedule(nextDue);
    } catch (error) {
      if (isNoGroupError(error))
        await recoverGroup(commands, keys.stream, options.group, errors, lifecycle.signal);
      else
        errors.error(
          `take ${keys.stream}`,
          error,
          `taking parked entries of ${keys.stream} failed`,
        );
    } finally {
      this.taking = false;
    }
    if (this.wanted && slots.free > 0) {
      this.wanted = false;
      void this.takeDue();
    }
  }
}
