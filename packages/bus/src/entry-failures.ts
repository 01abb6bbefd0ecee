import { setTimeout as delay } from "node:timers/promises";
import type { Rejection } from "./check-entry.js";
import { moveToDeadLetter } from "./dead-letter.js";
import { NonRetryableError } from "./errors.js";
import type { HeldEntry } from "./held-entry.js";
import type { ParkedHead } from "./lanes.js";
import type { Parking, ParkingEntry } from "./parking.js";
import type { PartitionScope } from "./partition-scope.js";
import { freshRecord, type RetryRecord } from "./retry-record.js";
import { backoffDelay, type ResolvedSubscribeOptions } from "./subscription.js";

export interface EntryFailuresSettings extends PartitionScope {
  parking: Parking;
  /** Told when entries were parked: the earliest is due at `due` (epoch ms). */
  parked: (due: number) => void;
}

/** Why an entry is parked rather than run now, as the `bus_events_parked_total` metric says. */
export type ParkReason = "retry" | "unknown_version" | "handover";

/**
 * What a consumer does with an entry whose handler failed or that cannot be handled:
 * park it in Redis until its backoff has passed, or move it to its dead-letter stream
 * once retrying cannot help or its budget is spent. Neither releases the entry's slot
 * (`EntryOutcomes` does). While Redis is unreachable both are retried, so a failure ends
 * as a retry or a dead letter, not as an entry silently left behind.
 */
export class EntryFailures {
  constructor(private readonly settings: EntryFailuresSettings) {}

  /**
   * After a failed attempt: dead-letter the entry, or park it until its next attempt is
   * due. Resolves to where it was parked, or undefined when it is done with here.
   */
  async afterFailure(entry: HeldEntry, error: unknown): Promise<ParkedHead | undefined> {
    const { options, metrics, labels } = this.settings;
    const now = Date.now();
    const record = failedOnce(entry, error, now);
    const reason =
      error instanceof NonRetryableError
        ? "non_retryable"
        : now - Date.parse(record.firstFailedAt) >= options.retry.budgetMs
          ? "retry_budget"
          : entry.deliveryCount >= options.maxDeliveries
            ? "max_deliveries"
            : undefined;
    if (reason) {
      await this.deadLetter(entry, {
        reason,
        error: record.error,
        attempts: entry.deliveryCount,
        firstFailedAt: new Date(record.firstFailedAt),
        lastFailedAt: new Date(now),
      });
      return undefined;
    }
    this.logFailure(entry, error);
    const due = now + backoffDelay(options.retry, record.failures);
    const [parked] = await this.park([{ entryId: entry.entryId, due, record }], "retry");
    if (parked) metrics.retried.inc(labels);
    return parked ? { entryId: entry.entryId, due } : undefined;
  }

  /**
   * Park entries that did not run (or not fully): no failure is recorded, and with
   * `uncounted` their delivery does not count either (it never ran the handler).
   * Resolves, for each, to whether it was parked.
   */
  async parkUnrun(
    entries: readonly { entry: HeldEntry; due: number }[],
    reason: ParkReason,
  ): Promise<boolean[]> {
    return this.park(
      entries.map(({ entry, due }) => ({
        entryId: entry.entryId,
        due,
        record: entry.record ?? freshRecord(entry.fields),
        deliveries: entry.deliveryCount - 1,
      })),
      reason,
    );
  }

  /** Move the entry to the dead-letter stream (acknowledging it there) if this consumer still owns it. */
  async deadLetter(entry: HeldEntry, rejection: Rejection): Promise<void> {
    const { options, metrics, labels, topic, keys, consumer, logger, commands } = this.settings;
    const moved = await this.untilWritten(`dead-letter ${keys.stream}`, () =>
      moveToDeadLetter(
        commands,
        keys,
        { group: options.group, consumer, entryId: entry.entryId, fields: entry.fields },
        { ...rejection, handler: options.name },
      ),
    );
    if (moved === undefined) return;
    if (!moved) {
      metrics.refused.inc(labels);
      logger.warn(
        { entryId: entry.entryId, topic: topic.name },
        "another consumer owns the entry now; not dead-lettering it here",
      );
      return;
    }
    metrics.deadLettered.inc({ ...labels, reason: rejection.reason });
    logger.error(
      {
        correlationId: entry.envelope?.correlationId,
        eventId: entry.envelope?.id,
        entryId: entry.entryId,
        topic: topic.name,
        reason: rejection.reason,
        error: rejection.error,
        attempts: rejection.attempts,
      },
      "event dead-lettered",
    );
  }

  /**
   * Pending entries the scripts found trimmed from the stream before they were handled
   * (`deadLettered` of them from their retry records, the others lost): counted and
   * logged.
   */
  reportTrimmed(entryIds: readonly string[], deadLettered: number): void {
    if (entryIds.length === 0) return;
    const { metrics, labels, logger, keys } = this.settings;
    metrics.trimmed.inc({ ...labels, stage: "pending" }, entryIds.length);
    if (deadLettered > 0) metrics.deadLettered.inc({ ...labels, reason: "trimmed" }, deadLettered);
    logger.error(
      { stream: keys.stream, entryIds, deadLettered },
      "pending entries were trimmed from the stream before they were handled; those with a retry record were dead-lettered from it",
    );
  }

  logFailure(entry: HeldEntry, error: unknown): void {
    this.settings.logger.warn(
      {
        err: error,
        correlationId: entry.envelope?.correlationId,
        eventId: entry.envelope?.id,
        topic: entry.envelope?.type,
        attempt: entry.deliveryCount,
      },
      "handler failed; will retry",
    );
  }

  private async park(entries: ParkingEntry[], reason: ParkReason): Promise<boolean[]> {
    const { parking, metrics, labels, keys } = this.settings;
    const outcome = await this.untilWritten(`park ${keys.stream}`, () => parking.park(entries));
    if (!outcome) return entries.map(() => false);
    const refused = new Set(outcome.refused);
    const trimmed = new Set(outcome.trimmed);
    if (refused.size > 0) metrics.refused.inc(labels, refused.size);
    // Parked entries always carry a record: each trimmed one was dead-lettered from it.
    this.reportTrimmed(outcome.trimmed, outcome.trimmed.length);
    const parked = entries.map(({ entryId }) => !refused.has(entryId) && !trimmed.has(entryId));
    const dues = entries.filter((_, index) => parked[index]).map(({ due }) => due);
    if (dues.length > 0) {
      metrics.parked.inc({ ...labels, reason }, dues.length);
      this.settings.parked(Math.min(...dues));
    }
    return parked;
  }

  /**
   * Run a write until Redis takes it, backing off while it is unreachable, as long as
   * the consumer is not stopping. Undefined when it gave up (the entry stays pending
   * with this consumer, and is reclaimed by another after the idle threshold).
   */
  private async untilWritten<T>(kind: string, write: () => Promise<T>): Promise<T | undefined> {
    const { errors, lifecycle } = this.settings;
    for (;;) {
      try {
        const result = await write();
        errors.clear(kind);
        return result;
      } catch (error) {
        errors.error(kind, error, `${kind} failed; retrying`);
        if (lifecycle.stopping) return undefined;
        await delay(1_000, undefined, { ref: false });
      }
    }
  }
}

/** The entry's retry record with one more failure: the budget runs from the first. */
function failedOnce(entry: HeldEntry, error: unknown, now: number): RetryRecord {
  const previous = entry.record;
  const at = new Date(now).toISOString();
  return {
    failures: (previous?.failures ?? 0) + 1,
    firstFailedAt: previous?.firstFailedAt || at,
    lastFailedAt: at,
    error: (error as Error)?.message ?? String(error),
    entry: previous?.entry ?? JSON.stringify(entry.fields),
  };
}

/**
 * Whether a taken-back or reclaimed entry may not run again: delivered `maxDeliveries`
 * times already, or — reclaimed from a consumer that held it — `maxStalls` of its
 * deliveries never finished (they kept killing or freezing their consumer). Checked
 * before it runs, not after. The rejection to dead-letter it with, or undefined.
 */
export function deliveryBudgetSpent(
  entry: HeldEntry,
  options: ResolvedSubscribeOptions,
  reclaimed: boolean,
): Rejection | undefined {
  const ran = entry.deliveryCount - 1;
  const stalls = ran - (entry.record?.failures ?? 0);
  const reason =
    ran >= options.maxDeliveries
      ? "max_deliveries"
      : reclaimed && stalls >= options.maxStalls
        ? "stalled"
        : undefined;
  if (!reason) return undefined;
  const now = new Date();
  const firstFailedAt = entry.record?.firstFailedAt;
  return {
    reason,
    error:
      reason === "stalled"
        ? `${stalls} deliveries ended without an outcome (the consumer died or froze mid-handler)`
        : (entry.record?.error ?? `delivered ${ran} times without an outcome`),
    attempts: ran,
    firstFailedAt: firstFailedAt ? new Date(firstFailedAt) : now,
    lastFailedAt: now,
  };
}
