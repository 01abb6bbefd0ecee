import type { EntryFailures } from "./entry-failures.js";
import type { EntryIntake } from "./entry-intake.js";
import { recoverGroup } from "./group-membership.js";
import type { HandlerSlots } from "./handler-slots.js";
import type { CheckedEntry } from "./held-entry.js";
import type { KeyLanes } from "./lanes.js";
import type { ParkedTaker } from "./parked-taker.js";
import type { Parking } from "./parking.js";
import type { PartitionScope } from "./partition-scope.js";
import type { Reclaimer } from "./reclaimer.js";
import { isNoGroupError } from "./redis.js";
import { countTrimmedUnread } from "./trim-watch.js";

export interface UpkeepSettings extends PartitionScope {
  slots: HandlerSlots;
  lanes: KeyLanes<CheckedEntry>;
  intake: EntryIntake;
  failures: EntryFailures;
  /**
   * None with `ordering: "per-key"`: the lease holder alone reads the partition, and it
   * takes what earlier holders left when its tenure starts, in stream order — reclaiming
   * by idle time would take it out of order.
   */
  reclaimer: Reclaimer | undefined;
  parking: Parking;
  taker: ParkedTaker;
}

/**
 * What a partition consumer does every `reclaimIntervalMs`: reclaim what dead
 * consumers left pending, take due parked entries, count entries trimmed before the
 * group read them, and let lanes go on whose parked head another consumer took.
 */
export class Upkeep {
  private reclaiming = false;

  constructor(private readonly settings: UpkeepSettings) {}

  async run(): Promise<void> {
    await this.reclaim();
    await this.settings.taker.takeDue();
    await this.watchTrimming();
    await this.unblockLanesTakenElsewhere();
  }

  private async reclaim(): Promise<void> {
    const { keys, options, labels, commands, errors, logger, metrics, slots, lifecycle } =
      this.settings;
    const reclaimer = this.settings.reclaimer;
    if (!reclaimer || lifecycle.stopping || this.reclaiming || slots.free <= 0) return;
    this.reclaiming = true;
    try {
      const batch = await reclaimer.claim(slots.free);
      errors.clear(`reclaim ${keys.stream}`);
      this.settings.failures.reportTrimmed(
        batch.trimmed.map((gone) => gone.entryId),
        batch.trimmed.filter((gone) => gone.deadLettered).length,
      );
      if (batch.entries.length > 0) {
        logger.info(
          { stream: keys.stream, count: batch.entries.length },
          "reclaimed entries left pending by another consumer",
        );
        metrics.reclaimed.inc(labels, batch.entries.length);
        await this.settings.intake.acceptTaken(batch.entries, "reclaimed");
      }
    } catch (error) {
      if (isNoGroupError(error))
        await recoverGroup(commands, keys.stream, options.group, errors, lifecycle.signal);
      else errors.error(`reclaim ${keys.stream}`, error, `reclaiming on ${keys.stream} failed`);
    } finally {
      this.reclaiming = false;
    }
  }

  /** Entries trimmed before this group read them: counted once per group, and said out loud. */
  private async watchTrimming(): Promise<void> {
    const { keys, options, labels, commands, errors, metrics, lifecycle } = this.settings;
    if (lifecycle.stopping) return;
    try {
      const lost = await countTrimmedUnread(commands, keys, options.group);
      if (lost === 0) return;
      metrics.trimmed.inc({ ...labels, stage: "unread" }, lost);
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
    const { options, errors, keys, lanes, parking, slots, intake, lifecycle } = this.settings;
    const overdue = lanes
      .parkedHeads()
      .filter(([, head]) => head.due + options.claimIdleMs < Date.now());
    if (overdue.length === 0 || lifecycle.stopping) return;
    try {
      const ids = overdue.map(([, head]) => head.entryId);
      const parked = await parking.stillParked(ids);
      const gone = ids.filter((_, index) => !parked[index]);
      const unseen = await parking.ownedUnseen(gone.filter((id) => !slots.has(id)));
      if (unseen.length > 0) await intake.acceptTaken(unseen, "taken");
      const found = new Set(unseen.map(({ entry: [id] }) => id));
      overdue.forEach(([key, head], index) => {
        if (!parked[index] && !found.has(head.entryId) && !slots.has(head.entryId))
          lanes.unblock(key);
      });
    } catch (error) {
      errors.warn(`lanes ${keys.stream}`, error, "checking parked entries failed");
    }
  }
}
