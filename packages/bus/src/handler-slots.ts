import type { HeldEntry } from "./held-entry.js";

/** Entries waiting behind a parked one hold no slot, up to this many times the slots. */
const WAITING_PER_SLOT = 10;

/**
 * The entries a partition consumer holds, by entry id, against its `concurrency`
 * handler slots: an entry takes a slot from the moment it arrives until it is
 * acknowledged, dead-lettered, parked, handed over or let go. Whoever needs a free slot
 * (the reader, the take of parked entries) waits for or listens to `release`.
 */
export class HandlerSlots {
  private readonly held = new Map<string, HeldEntry>();
  private readonly freedListeners: (() => void)[] = [];
  private wakeReader: (() => void) | undefined;
  private whenEmpty: (() => void) | undefined;

  constructor(
    private readonly concurrency: number,
    /** Entries queued behind a parked entry of their key: they wait, but hold no slot. */
    private readonly lanes: { readonly parkedWaiting: number },
  ) {}

  /** Slots free for more entries: entries waiting behind a parked one hold none, within a bound. */
  get free(): number {
    return Math.min(
      this.concurrency - (this.held.size - this.lanes.parkedWaiting),
      this.concurrency * WAITING_PER_SLOT - this.held.size,
    );
  }

  get size(): number {
    return this.held.size;
  }

  has(entryId: string): boolean {
    return this.held.has(entryId);
  }

  get(entryId: string): HeldEntry | undefined {
    return this.held.get(entryId);
  }

  entries(): IterableIterator<HeldEntry> {
    return this.held.values();
  }

  /** The entries held now, by id: a copy, unchanged by later arrivals and releases. */
  snapshot(): Map<string, HeldEntry> {
    return new Map(this.held);
  }

  hold(entry: HeldEntry): void {
    this.held.set(entry.entryId, entry);
  }

  /** Free the entry's slot (once; later calls for it do nothing), and tell whoever waits for one. */
  release(entry: HeldEntry): void {
    if (!this.held.delete(entry.entryId)) return;
    this.wake();
    for (const listener of this.freedListeners) listener();
    if (this.held.size === 0) this.whenEmpty?.();
  }

  /** Call `listener` each time a slot frees. */
  onFreed(listener: () => void): void {
    this.freedListeners.push(listener);
  }

  /** Resolves at the next release, or at `wake`: the one reader waits here while no slot is free. */
  freed(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeReader = resolve;
    });
  }

  /** End the reader's wait for a slot (it is stopping). */
  wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  /** Resolves once no entry is held. */
  empty(): Promise<void> {
    if (this.held.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.whenEmpty = resolve;
    });
  }
}
