import type { ProcessedEvents } from "./idempotency.js";
import type { RedisClient } from "./redis.js";

/**
 * Acknowledges finished entries in batches: everything finished in one turn of the
 * event loop goes out as one `XACK` with many ids, plus one `ZADD` of their
 * "processed" marks, instead of two commands per entry.
 */
export class Acknowledger {
  private entryIds: string[] = [];
  private eventIds: string[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly group: string,
    private readonly processed: ProcessedEvents | undefined,
  ) {}

  /** Acknowledge an entry (and mark its event processed); resolves once Redis has both. */
  ack(entryId: string, eventId: string | undefined): Promise<void> {
    this.entryIds.push(entryId);
    if (eventId !== undefined) this.eventIds.push(eventId);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        const flushing = this.flush();
        this.inFlight.add(flushing);
        void flushing.finally(() => this.inFlight.delete(flushing));
      });
    }
    return done;
  }

  /** Resolves once every ack asked for so far has been answered (or has failed). */
  async idle(): Promise<void> {
    while (this.scheduled || this.inFlight.size > 0) {
      if (this.scheduled) await new Promise<void>((resolve) => setImmediate(resolve));
      else await Promise.all(this.inFlight);
    }
  }

  private async flush(): Promise<void> {
    const entryIds = this.entryIds;
    const eventIds = this.eventIds;
    const waiters = this.waiters;
    this.entryIds = [];
    this.eventIds = [];
    this.waiters = [];
    this.scheduled = false;
    try {
      // Marks are sent first, in the same write: Redis runs them before the XACK, so an
      // entry is never acknowledged without its mark (which could let a republished
      // copy run twice); a mark without its ack only makes a redelivery skip the handler.
      await Promise.all([
        this.processed?.mark(eventIds),
        this.redis.xack(this.stream, this.group, ...entryIds),
      ]);
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
