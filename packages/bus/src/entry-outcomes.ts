import type { Acknowledger, AckOutcome } from "./acknowledger.js";
import type { Rejection } from "./check-entry.js";
import type { EntryFailures } from "./entry-failures.js";
import type { HandlerSlots } from "./handler-slots.js";
import type { CheckedEntry, HeldEntry } from "./held-entry.js";
import type { ParkedHead } from "./lanes.js";
import type { PartitionScope } from "./partition-scope.js";
import type { RecentIds } from "./recent-ids.js";

export interface EntryOutcomesSettings extends PartitionScope {
  slots: HandlerSlots;
  acknowledger: Acknowledger;
  failures: EntryFailures;
  /** Event ids this consumer acknowledged lately: a copy of one of them is a duplicate. */
  recent: RecentIds;
}

/** An entry that did not start, and the parked entry of its key it waited behind, if any. */
export interface Waiting {
  entry: HeldEntry;
  behind: ParkedHead | undefined;
}

/**
 * Where a held entry ends up: acknowledged, dead-lettered, parked for a consumer that
 * knows its version, handed over to the group at shutdown, or let go (left pending).
 * Each frees the entry's slot; an ack frees it at once, not when Redis answers, so
 * the next read overlaps the ack's round trip.
 */
export class EntryOutcomes {
  /** Hand-overs of entries whose turn came during shutdown, still being written. */
  private readonly lateHandOvers = new Set<Promise<void>>();

  constructor(private readonly settings: EntryOutcomesSettings) {}

  /**
   * Queue the entry's ack. A copy skipped for another group leaves no mark: this
   * group's own copy must still run.
   */
  acknowledge(entry: HeldEntry, outcome: AckOutcome): void {
    const { options, metrics, labels, recent, acknowledger, lifecycle } = this.settings;
    if (entry.lost) {
      // Another consumer owns it now: its ack is that one's.
      metrics.refused.inc(labels);
      this.release(entry);
      return;
    }
    const eventId = options.idempotency && outcome !== "skipped" ? entry.envelope?.id : undefined;
    if (eventId !== undefined) recent.add(eventId);
    if (!lifecycle.closed) acknowledger.ack(entry.entryId, eventId, outcome);
    this.release(entry);
  }

  /** Let the entry go with no outcome: it stays pending, for a later delivery. */
  release(entry: HeldEntry): void {
    this.settings.slots.release(entry);
  }

  async deadLetter(entry: HeldEntry, rejection: Rejection): Promise<void> {
    try {
      await this.settings.failures.deadLetter(entry, rejection);
    } finally {
      this.release(entry);
    }
  }

  /** Leave an event of an unknown schema version to a consumer that knows it: parked, re-checked later. */
  async parkUnknownVersion(entry: CheckedEntry): Promise<ParkedHead | undefined> {
    const { options, keys, errors, failures, labels } = this.settings;
    const due = Date.now() + options.claimIdleMs;
    try {
      const [parked] = await failures.parkUnrun([{ entry, due }], "unknown_version");
      errors.warn(
        `version ${keys.stream}`,
        undefined,
        `an event of ${labels.topic} has a schema version newer than this consumer's; left for a consumer that knows it`,
      );
      return parked ? { entryId: entry.entryId, due } : undefined;
    } finally {
      this.release(entry);
    }
  }

  /**
   * At shutdown: park entries that did not start, due at once (or just after the parked
   * entry they wait behind, keeping their key's order), so that another consumer takes
   * them at its next look rather than after the idle threshold.
   */
  async handOver(waiting: readonly Waiting[]): Promise<void> {
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
      await this.settings.failures.parkUnrun(entries, "handover");
    } finally {
      for (const { entry } of entries) this.release(entry);
    }
  }

  /** An entry whose turn came while stopping: handed over rather than run. */
  handOverLate(entry: CheckedEntry): void {
    const handingOver = this.handOver([{ entry, behind: undefined }]);
    this.lateHandOvers.add(handingOver);
    void handingOver.finally(() => this.lateHandOvers.delete(handingOver));
  }

  /** Resolves once the hand-overs started so far are written (or gave up). */
  async handedOver(): Promise<void> {
    await Promise.all(this.lateHandOvers);
  }
}
