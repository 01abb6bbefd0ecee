import type { ProcessedEvents } from "./idempotency.js";
import type { RedisClient } from "./redis.js";

/**
 * Acknowledges finished entries in batches: everything finished in one turn of the
 * event loop goes out as one `XACK` with many ids, plus one `ZADD` of their
 * "processed" marks, instead of two commands per entry.
 */
/** The acks of one turn of the event loop: sent together, answered together. */
interface Batch {
  entryIds: string[];
  eventIds: string[];
  /** One promise for the whole batch, not one per entry: this runs for every event. */
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Acknowledger {
  private batch: Batch | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly group: string,
    private readonly processed: ProcessedEvents | undefined,
  ) {}

  /** Acknowledge an entry (and mark its event processed); resolves once Redis has both. */
  ack(entryId: string, eventId: string | undefined): Promise<void> {
    let batch = this.batch;
    if (!batch) {
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      batch = { entryIds: [], eventIds: [], done: promise, resolve, reject };
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
    return batch.done;
  }

  /** Resolves once every ack asked for so far has been answered (or has failed). */
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
      batch.resolve();
    } catch (error) {
      batch.reject(error);
    }
  }
}
