/**
 * The last `capacity` ids seen, oldest forgotten first. Catches a duplicate that
 * arrives while its first copy is still in this process (same batch or same lane),
 * before the Redis mark of the first copy could be read.
 *
 * A ring of slots beside the set says which id to forget: evicting a `Set`'s first
 * entry instead (`values().next()`) walks over the holes earlier deletes leave at the
 * front of V8's hash table, ~5 µs per add at 10 000 ids — the largest cost of handling
 * an event. An id seen again keeps its first slot.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly slots: (string | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.slots = new Array<string | undefined>(capacity).fill(undefined);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    const oldest = this.slots[this.next];
    if (oldest !== undefined) this.ids.delete(oldest);
    this.slots[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
  }
}
