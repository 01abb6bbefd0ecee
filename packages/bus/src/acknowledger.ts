import type { ProcessedEvents } from "./idempotency.js";
import { fencedAck } from "./lease.js";
import { LuaScript } from "./lua-script.js";
import type { RedisClient } from "./redis.js";

/**
 * Acknowledges the entries this consumer still owns and counts the others: an entry
 * another consumer took over (this one froze past the idle threshold) is that one's
 * to acknowledge, and acknowledging it here would drop it from the pending list while
 * the other may yet fail and need to retry it. Drops the retry records of the
 * acknowledged entries, if the partition has any.
 *
 * Ownership needs checking only if another consumer took entries over from this one
 * since it last checked its claims (the reclaimer notes that in the takeovers hash,
 * the heartbeat clears it): then one `XPENDING` over this consumer's own pending list,
 * between the batch's smallest and largest ids, says which it still owns. Otherwise
 * everything it holds is still its own, and the batch is acknowledged at once.
 */
const ACK_OWNED = LuaScript.load(new URL("./ack-owned-3.lua", import.meta.url));

/** Why an entry is acknowledged: counted per batch, once Redis has the acks. */
export type AckOutcome =
  /** Its handler succeeded. */
  | "handled"
  /** The group had processed its event already; the handler did not run. */
  | "duplicate"
  /** Not for this group (a dead letter replayed for another group). */
  | "skipped";

/** Told how each batch of acks ended: the counts for metrics, or the error to log. */
export interface AckListener {
  /** `refused`: entries another consumer owns now, left to it. */
  acknowledged(handled: number, duplicates: number, refused: number): void;
  failed(error: unknown): void;
}

/** The acks of one turn of the event loop: sent together, answered together. */
interface Batch {
  entryIds: string[];
  eventIds: string[];
  handled: number;
  duplicates: number;
}

/**
 * Acknowledges finished entries in batches: everything finished in one turn of the
 * event loop goes out as one script call with many ids (each acknowledged only if
 * this consumer still owns it), plus one `ZADD` of their "processed" marks, instead
 * of two commands per entry. Nothing is allocated per
 * entry beyond the ids: outcomes are counted, and reported once per batch.
 */
export class Acknowledger {
  private batch: Batch | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: { stream: string; retryRecords: string; takeovers: string },
    private readonly group: string,
    private readonly consumer: string,
    private readonly processed: ProcessedEvents | undefined,
    private readonly listener: AckListener,
    /**
     * The partition's lease and this tenure's token (`ordering: "per-key"`): acks go
     * through only while the token is still the lease's; once another instance was
     * granted the lease, every ack is refused (it owns the entries now).
     */
    private readonly fence?: { lease: string; token: string },
  ) {}

  /** Queue an entry's ack (and its event's processed mark, when given). */
  ack(entryId: string, eventId: string | undefined, outcome: AckOutcome): void {
    let batch = this.batch;
    if (!batch) {
      batch = { entryIds: [], eventIds: [], handled: 0, duplicates: 0 };
      this.batch = batch;
      const scheduled = batch;
      setImmediate(() => {
        const flushing = this.flush(scheduled);
        this.inFlight.add(flushing);
        void flushing.finally(() => this.inFlight.delete(flushing));
      });
    }
    batch.entryIds.push(entryId);
    if (eventId !== undefined) batch.eventIds.push(eventId);
    if (outcome === "handled") batch.handled++;
    else if (outcome === "duplicate") batch.duplicates++;
  }

  /** Resolves once every ack queued so far has been answered (or has failed). */
  async idle(): Promise<void> {
    while (this.batch || this.inFlight.size > 0) {
      if (this.batch) await new Promise<void>((resolve) => setImmediate(resolve));
      else await Promise.all(this.inFlight);
    }
  }

  private async flush(batch: Batch): Promise<void> {
    this.batch = undefined;
    try {
      // Marks are sent first, in the same write: Redis runs them before the XACK, so an
      // entry is never acknowledged without its mark (which could let a republished
      // copy run twice); a mark without its ack only makes a redelivery skip the handler.
      const [, refused] = await Promise.all([
        this.processed?.mark(batch.eventIds),
        this.acknowledge(batch.entryIds),
      ]);
      this.listener.acknowledged(batch.handled, batch.duplicates, Number(refused));
    } catch (error) {
      // Left pending: they come back after the idle threshold, and the marks (if they
      // were written) make that delivery skip the handler.
      this.listener.failed(error);
    }
  }

  /** Acknowledge the entries this consumer may; resolves to how many were refused. */
  private async acknowledge(entryIds: string[]): Promise<number> {
    const { redis, keys, group, fence } = this;
    if (fence) {
      const fenced = { ...keys, ...fence, group };
      return (await fencedAck(redis, fenced, entryIds)) ? 0 : entryIds.length;
    }
    const owned = [group, this.consumer, ...idRange(entryIds), ...entryIds];
    return Number(
      await ACK_OWNED.run(redis, [keys.stream, keys.retryRecords, keys.takeovers], owned),
    );
  }
}

/** The smallest and largest of some stream entry ids (`<ms>-<seq>`). */
export function idRange(entryIds: readonly string[]): [smallest: string, largest: string] {
  let smallest = entryIds[0] as string;
  let largest = smallest;
  for (let index = 1; index < entryIds.length; index++) {
    const id = entryIds[index] as string;
    if (compareIds(id, smallest) < 0) smallest = id;
    else if (compareIds(id, largest) > 0) largest = id;
  }
  return [smallest, largest];
}

/** Order of two stream entry ids; ids of one length compare as text, which is the common case. */
function compareIds(left: string, right: string): number {
  if (left.length === right.length) return left < right ? -1 : left > right ? 1 : 0;
  const [leftMs = 0, leftSeq = 0] = left.split("-").map(Number);
  const [rightMs = 0, rightSeq = 0] = right.split("-").map(Number);
  return leftMs - rightMs || leftSeq - rightSeq;
}
