/**
 * The last `capacity` ids seen, oldest forgotten first. Catches a duplicate that
 * arrives while its first copy is still in this process (same batch or same lane),
 * before the Redis mark of the first copy could be read.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
}
