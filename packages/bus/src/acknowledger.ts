import type { ProcessedEvents } from "./idempotency.js";
import type { RedisClient } from "./redis.js";

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
  acknowledged(handled: number, duplicates: number): void;
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
 * event loop goes out as one `XACK` with many ids, plus one `ZADD` of their
 * "processed" marks, instead of two commands per entry. Nothing is allocated per
 * entry beyond the ids: outcomes are counted, and reported once per batch.
 */
export class Acknowledger {
  private batch: Batch | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly group: string,
    private readonly processed: ProcessedEvents | undefined,
    private readonly listener: AckListener,
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
      await Promise.all([
        this.processed?.mark(batch.eventIds),
        this.redis.xack(this.stream, this.group, ...batch.entryIds),
      ]);
      this.listener.acknowledged(batch.handled, batch.duplicates);
    } catch (error) {
      // Left pending: they come back after the idle threshold, and the marks (if they
      // were written) make that delivery skip the handler.
      this.listener.failed(error);
    }
  }
}
