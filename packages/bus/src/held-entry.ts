import type { Envelope } from "./envelope.js";
import type { RetryRecord } from "./retry-record.js";

/** What a consumer knows of every stream entry it holds (read, reclaimed or taken back, not yet finished or released). */
interface Held {
  readonly entryId: string;
  readonly fields: string[];
  /** Deliveries so far, this one included (across processes). */
  deliveryCount: number;
  /** Another consumer reclaimed it: stop working on it, do not acknowledge it. */
  lost: boolean;
  /** What the group kept of its earlier failures (taken back or reclaimed entries only). */
  readonly record: RetryRecord | undefined;
}

/**
 * An entry held without an envelope: it failed its checks (it is dead-lettered, or
 * skipped as another group's replay), or it was read as the consumer stopped (it is
 * handed over unchecked). It never runs.
 */
export interface UncheckedEntry extends Held {
  readonly envelope: undefined;
}

/** An entry that passed its checks: it carries its envelope, and may run. */
export interface CheckedEntry extends Held {
  /** The decoded envelope, its payload as the topic's schema parsed it (unchecked if `unknownVersion`). */
  readonly envelope: Envelope;
  /** Its schema version is newer than this consumer knows: it is parked, not handled. */
  readonly unknownVersion: boolean;
  /** While an async attempt runs: when it times out (epoch ms), else 0. */
  attemptDeadline: number;
  /** While an async attempt runs: gives up waiting for it, failing the attempt with `error`. */
  abandon: ((error: Error) => void) | undefined;
}

export type HeldEntry = UncheckedEntry | CheckedEntry;

export function uncheckedEntry(
  entryId: string,
  fields: string[],
  deliveryCount: number,
  record?: RetryRecord,
): UncheckedEntry {
  return entry(entryId, fields, deliveryCount, record, undefined, false);
}

export function checkedEntry(
  entryId: string,
  fields: string[],
  deliveryCount: number,
  record: RetryRecord | undefined,
  envelope: Envelope,
  unknownVersion: boolean,
): CheckedEntry {
  return entry(entryId, fields, deliveryCount, record, envelope, unknownVersion);
}

/** Every field present in both kinds, in one order: one object shape for every entry keeps the hot path monomorphic. */
function entry<E extends Envelope | undefined>(
  entryId: string,
  fields: string[],
  deliveryCount: number,
  record: RetryRecord | undefined,
  envelope: E,
  unknownVersion: boolean,
) {
  return {
    entryId,
    fields,
    deliveryCount,
    lost: false,
    record,
    envelope,
    unknownVersion,
    attemptDeadline: 0,
    abandon: undefined as ((error: Error) => void) | undefined,
  };
}
