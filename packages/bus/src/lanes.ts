/**
 * Per-key ordering: items with the same key run one at a time, in the order they were
 * added; items with different keys run side by side.
 *
 * `run` returns a promise only for an item still in progress when it returns. An item
 * that finished at once (a synchronous handler) leaves nothing behind: no queue, no
 * promise, no entry for its key — most keys are idle most of the time.
 */
export class KeyLanes<Item> {
  /** Keys with an item in progress, and the items waiting behind it. */
  private readonly busy = new Map<string, Item[]>();

  constructor(private readonly run: (item: Item) => Promise<void> | undefined) {}

  /** Run the item now if its key is idle, else after the items ahead of it. */
  add(key: string, item: Item): void {
    const queue = this.busy.get(key);
    if (queue) {
      queue.push(item);
      return;
    }
    const running = this.run(item);
    if (running === undefined) return;
    this.busy.set(key, []);
    void this.drainAfter(key, running);
  }

  /** Items added but not started, in key order; they are dropped from the lanes. */
  takeWaiting(): Item[] {
    const taken: Item[] = [];
    for (const queue of this.busy.values()) taken.push(...queue.splice(0));
    return taken;
  }

  /** Drop a waiting item (e.g. one whose claim was lost); false if it already started. */
  remove(key: string, item: Item): boolean {
    const queue = this.busy.get(key);
    const index = queue?.indexOf(item) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    return true;
  }

  /** Once the key's running item is done, run the ones that queued behind it, in order. */
  private async drainAfter(key: string, running: Promise<void>): Promise<void> {
    await running;
    const queue = this.busy.get(key) as Item[];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const next = this.run(item);
      if (next !== undefined) await next;
    }
    this.busy.delete(key);
  }
}
