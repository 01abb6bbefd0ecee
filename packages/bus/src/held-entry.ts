import type { Envelope } from "./envelope.js";
import type { RetryRecord } from "./retry-record.js";

/** A stream entry a consumer holds: read, reclaimed or taken back, not yet finished or released. */
export interface HeldEntry {
  readonly entryId: string;
  readonly fields: string[];
  /** Deliveries so far, this one included (across processes). */
  deliveryCount: number;
  /** Another consumer reclaimed it: stop working on it, do not acknowledge it. */
  lost: boolean;
  /** Set once the entry passed its checks (its payload unchecked if `unknownVersion`). */
  envelope: Envelope | undefined;
  /** Set on a replayed dead letter: the one group that should handle it. */
  replayFor: string | undefined;
  /** Its schema version is newer than this consumer knows: it is parked, not handled. */
  unknownVersion: boolean;
  /** What the group kept of its earlier failures (taken back or reclaimed entries only). */
  record: RetryRecord | undefined;
  /** While an async attempt runs: when it times out (epoch ms), else 0. */
  attemptDeadline: number;
  /** While an async attempt runs: gives up waiting for it, failing the attempt with `error`. */
  abandon: ((error: Error) => void) | undefined;
}

/** Every field present from the start: one object shape for every entry keeps the hot path monomorphic. */
export function holdEntry(
  entryId: string,
  fields: string[],
  deliveryCount: number,
  record?: RetryRecord,
): HeldEntry {
  return {
    entryId,
    fields,
    deliveryCount,
    lost: false,
    envelope: undefined,
    replayFor: undefined,
    unknownVersion: false,
    record,
    attemptDeadline: 0,
    abandon: undefined,
  };
}
