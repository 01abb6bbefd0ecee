/**
 * Per-key ordering: items with the same key run one at a time, in the order they were
 * added; items with different keys run side by side.
 */
export class KeyLanes<Item> {
  private readonly waiting = new Map<string, Item[]>();

  constructor(private readonly run: (item: Item) => Promise<void>) {}

  /** Run the item now if its key is idle, else after the items ahead of it. */
  add(key: string, item: Item): void {
    const queue = this.waiting.get(key);
    if (queue) {
      queue.push(item);
      return;
    }
    this.waiting.set(key, []);
    void this.drain(key, item);
  }

  /** Items added but not started, in key order; they are dropped from the lanes. */
  takeWaiting(): Item[] {
    const taken: Item[] = [];
    for (const queue of this.waiting.values()) taken.push(...queue.splice(0));
    return taken;
  }

  /** Drop a waiting item (e.g. one whose claim was lost); false if it already started. */
  remove(key: string, item: Item): boolean {
    const queue = this.waiting.get(key);
    const index = queue?.indexOf(item) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    return true;
  }

  private async drain(key: string, first: Item): Promise<void> {
    let item: Item | undefined = first;
    while (item !== undefined) {
      await this.run(item);
      item = this.waiting.get(key)?.shift();
    }
    this.waiting.delete(key);
  }
}
