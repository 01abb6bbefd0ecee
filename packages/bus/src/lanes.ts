/** An item that left its lane to wait in Redis (parked): the items behind it wait for it. */
export interface ParkedHead {
  entryId: string;
  /** When it is due back, epoch ms. */
  due: number;
}

/** A lane: the items waiting behind the running one, or behind a parked one. */
interface Lane<Item> {
  queue: Item[];
  /** Set while the lane's head is parked: nothing runs until it comes back. */
  parked: ParkedHead | undefined;
}

/**
 * Per-key ordering: items with the same key run one at a time, in the order they were
 * added; items with different keys run side by side.
 *
 * `run` returns a promise only for an item still in progress when it returns. An item
 * that finished at once (a synchronous handler) leaves nothing behind: no queue, no
 * promise, no entry for its key — most keys are idle most of the time. An item whose
 * run ends parked blocks its key: the items behind it (and any added later) wait,
 * without running, until the parked item is resumed or its lane unblocked.
 */
export class KeyLanes<Item> {
  /** Keys with an item in progress or parked, and the items waiting behind it. */
  private readonly busy = new Map<string, Lane<Item>>();
  private waitingBehindParked = 0;

  constructor(private readonly run: (item: Item) => Promise<ParkedHead | undefined> | undefined) {}

  /** Items queued behind a parked item: they wait, but hold no handler slot. */
  get parkedWaiting(): number {
    return this.waitingBehindParked;
  }

  /** Run the item now if its key is idle, else after the items ahead of it. */
  add(key: string, item: Item): void {
    const lane = this.busy.get(key);
    if (lane) {
      lane.queue.push(item);
      if (lane.parked) this.waitingBehindParked++;
      return;
    }
    const running = this.run(item);
    if (running === undefined) return;
    const started: Lane<Item> = { queue: [], parked: undefined };
    this.busy.set(key, started);
    void this.drainAfter(key, started, running);
  }

  /** The parked head of `key`'s lane, if it has one. */
  parkedHead(key: string): ParkedHead | undefined {
    return this.busy.get(key)?.parked;
  }

  /** Every lane blocked by a parked head: its key and head. */
  parkedHeads(): [key: string, head: ParkedHead][] {
    const heads: [string, ParkedHead][] = [];
    for (const [key, lane] of this.busy) if (lane.parked) heads.push([key, lane.parked]);
    return heads;
  }

  /** The parked head of `key` came back: run it first, then the items that waited behind it. */
  resume(key: string, item: Item): void {
    const lane = this.busy.get(key);
    if (!lane?.parked) {
      this.add(key, item);
      return;
    }
    lane.parked = undefined;
    this.waitingBehindParked -= lane.queue.length;
    lane.queue.unshift(item);
    void this.drainAfter(key, lane, Promise.resolve(undefined));
  }

  /** Let `key`'s waiting items run without their parked head (another consumer took it). */
  unblock(key: string): void {
    const lane = this.busy.get(key);
    if (!lane?.parked) return;
    lane.parked = undefined;
    this.waitingBehindParked -= lane.queue.length;
    void this.drainAfter(key, lane, Promise.resolve(undefined));
  }

  /**
   * Items added but not started, each with the parked head it waits behind (if any);
   * they are dropped from the lanes, in key order.
   */
  takeWaiting(): { item: Item; behind: ParkedHead | undefined }[] {
    const taken: { item: Item; behind: ParkedHead | undefined }[] = [];
    for (const lane of this.busy.values()) {
      if (lane.parked) this.waitingBehindParked -= lane.queue.length;
      for (const item of lane.queue.splice(0)) taken.push({ item, behind: lane.parked });
    }
    return taken;
  }

  /** Drop a waiting item (e.g. one whose claim was lost); false if it already started. */
  remove(key: string, item: Item): boolean {
    const lane = this.busy.get(key);
    const index = lane?.queue.indexOf(item) ?? -1;
    if (!lane || index < 0) return false;
    lane.queue.splice(index, 1);
    if (lane.parked) this.waitingBehindParked--;
    return true;
  }

  /** Once the key's running item is done, run the ones that queued behind it, in order. */
  private async drainAfter(
    key: string,
    lane: Lane<Item>,
    running: Promise<ParkedHead | undefined>,
  ): Promise<void> {
    let parked = await running;
    for (;;) {
      if (parked) {
        lane.parked = parked;
        this.waitingBehindParked += lane.queue.length;
        return;
      }
      const item = lane.queue.shift();
      if (item === undefined) break;
      const next = this.run(item);
      parked = next === undefined ? undefined : await next;
    }
    this.busy.delete(key);
  }
}
