import { checkEntry, replayedForAnother } from "./check-entry.js";
import { deliveryBudgetSpent } from "./entry-failures.js";
import type { EntryOutcomes } from "./entry-outcomes.js";
import type { HandlerSlots } from "./handler-slots.js";
import { type CheckedEntry, checkedEntry, uncheckedEntry } from "./held-entry.js";
import type { ProcessedEvents } from "./idempotency.js";
import type { KeyLanes } from "./lanes.js";
import type { TakenEntry } from "./parking.js";
import type { PartitionScope } from "./partition-scope.js";
import type { RawEntry } from "./reader.js";
import type { RetryRecord } from "./retry-record.js";

export interface EntryIntakeSettings extends PartitionScope {
  processed: ProcessedEvents;
  slots: HandlerSlots;
  lanes: KeyLanes<CheckedEntry>;
  outcomes: EntryOutcomes;
}

/**
 * Takes arriving entries into the slots: checks them, drops duplicates, dead-letters
 * what may not run (again), and queues the rest on their key's lane. Read entries are
 * on their first delivery; taken-back and reclaimed ones carry their deliveries and
 * retry records, and are checked against the delivery budget before they run.
 */
export class EntryIntake {
  constructor(private readonly settings: EntryIntakeSettings) {}

  /** Entries just read from the stream. */
  acceptRead(entries: readonly RawEntry[]): Promise<void> {
    const valid: CheckedEntry[] = [];
    for (const [entryId, fields] of entries) this.admit(entryId, fields, 1, undefined, valid);
    return this.queue(valid, false);
  }

  /** Parked entries taken back when due, or entries reclaimed from a consumer that held them. */
  acceptTaken(entries: readonly TakenEntry[], arrival: "taken" | "reclaimed"): Promise<void> {
    const valid: CheckedEntry[] = [];
    for (const { entry, deliveries, record } of entries)
      this.admit(entry[0], entry[1], deliveries, record, valid);
    return this.queue(valid, arrival);
  }

  /** Hold the entry; those that pass their checks and are this group's go on to `valid`. */
  private admit(
    entryId: string,
    fields: string[] | null,
    deliveries: number,
    record: RetryRecord | undefined,
    valid: CheckedEntry[],
  ): void {
    const { topic, options, slots, outcomes } = this.settings;
    if (fields === null || slots.has(entryId)) return;
    const checked = checkEntry(topic, fields, deliveries);
    if ("reason" in checked) {
      const entry = uncheckedEntry(entryId, fields, deliveries, record);
      slots.hold(entry);
      if (replayedForAnother(fields, options.group)) outcomes.acknowledge(entry, "skipped");
      else void outcomes.deadLetter(entry, checked);
      return;
    }
    const unknownVersion = "unknownVersion" in checked;
    const entry = checkedEntry(
      entryId,
      fields,
      deliveries,
      record,
      checked.envelope,
      unknownVersion,
    );
    slots.hold(entry);
    if (checked.replayFor !== undefined && checked.replayFor !== options.group)
      outcomes.acknowledge(entry, "skipped");
    else valid.push(entry);
  }

  /** `arrival` false: read, on its first delivery. */
  private async queue(
    valid: readonly CheckedEntry[],
    arrival: false | "taken" | "reclaimed",
  ): Promise<void> {
    const { topic, options, lanes, outcomes } = this.settings;
    const alreadyDone = options.idempotency ? await this.alreadyProcessed(valid) : [];
    for (let index = 0; index < valid.length; index++) {
      const entry = valid[index] as CheckedEntry;
      if (alreadyDone[index]) {
        outcomes.acknowledge(entry, "duplicate");
        continue;
      }
      const spent = arrival && deliveryBudgetSpent(entry, options, arrival === "reclaimed");
      if (spent) {
        void outcomes.deadLetter(entry, spent);
        continue;
      }
      const key = entry.envelope.partitionKey;
      // The parked head of its key's lane is back (taken when due, or found again after
      // a lost reply): it goes first, before what waited behind it.
      if (lanes.parkedHead(key)?.entryId === entry.entryId) lanes.resume(key, entry);
      else lanes.add(key, entry);
    }
    if (valid.length > 0)
      this.settings.logger.trace({ topic: topic.name, count: valid.length }, "accepted entries");
  }

  private async alreadyProcessed(entries: readonly CheckedEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    try {
      return await this.settings.processed.seen(entries.map((entry) => entry.envelope.id));
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
}
