import type { ProcessedEvents } from "./idempotency.js";
import { type RedisClient, Script } from "./redis.js";

/**
 * Acknowledges the entries this consumer still owns and counts the others: an entry
 * another consumer took over (this one froze past the idle threshold) is that one's
 * to acknowledge, and acknowledging it here would drop it from the pending list while
 * the other may yet fail and need to retry it. Drops the retry records of the
 * acknowledged entries, if the partition has any.
 *
 * KEYS: [stream, retry records]   ARGV: [group, consumer, …entry ids]
 * Returns how many were refused.
 */
const ACK_OWNED = new Script(`
local records = redis.call('EXISTS', KEYS[2]) == 1
local refused = 0
for index = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[index], ARGV[index], 1)[1]
  if pending and pending[2] == ARGV[2] then
    redis.call('XACK', KEYS[1], ARGV[1], ARGV[index])
    if records then redis.call('HDEL', KEYS[2], ARGV[index]) end
  else
    refused = refused + 1
  end
end
return refused
`);

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
    private readonly keys: { stream: string; retryRecords: string },
    private readonly group: string,
    private readonly consumer: string,
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
      const [, refused] = await Promise.all([
        this.processed?.mark(batch.eventIds),
        ACK_OWNED.run(
          this.redis,
          [this.keys.stream, this.keys.retryRecords],
          [this.group, this.consumer, ...batch.entryIds],
        ),
      ]);
      this.listener.acknowledged(batch.handled, batch.duplicates, Number(refused));
    } catch (error) {
      // Left pending: they come back after the idle threshold, and the marks (if they
      // were written) make that delivery skip the handler.
      this.listener.failed(error);
    }
  }
}
