import type { Envelope } from "./envelope.js";

/** A stream entry a consumer holds: read or reclaimed, not yet acknowledged or released. */
export interface HeldEntry {
  readonly entryId: string;
  readonly fields: string[];
  /** Deliveries so far, this one included (across processes). */
  deliveryCount: number;
  /** Another consumer reclaimed it: stop working on it, do not acknowledge it. */
  lost: boolean;
  /** Set once the entry passed its checks. */
  envelope: Envelope | undefined;
  /** Set on a replayed dead letter: the one group that should handle it. */
  replayFor: string | undefined;
  /** Ends a backoff wait early (shutdown or lost claim). */
  cancelWait: (() => void) | undefined;
}

/** Every field present from the start: one object shape for every entry keeps the hot path monomorphic. */
export function holdEntry(entryId: string, fields: string[], deliveryCount: number): HeldEntry {
  return {
    entryId,
    fields,
    deliveryCount,
    lost: false,
    envelope: undefined,
    replayFor: undefined,
    cancelWait: undefined,
  };
}
