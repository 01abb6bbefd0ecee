import { fnv1a32 } from "./partitioning.js";

/**
 * Which live instance of a group owns each partition of a topic (with per-key order):
 * the owner of partition `n` is at index `n`. Every instance computes it from the same
 * set of live instances, so they agree without talking to each other.
 *
 * Even: each instance gets ⌊partitions / instances⌋ or one more, as Kafka's assignors
 * give. Mostly sticky: each partition goes to the instance that ranks highest for it
 * (rendezvous hashing) among those with room left, so an instance joining or leaving
 * moves few partitions besides its own — unlike dealing them out in name order, where one
 * name sorting first shifts nearly all of them.
 */
export function assignPartitions(
  topic: string,
  partitions: number,
  instances: readonly string[],
): string[] {
  const live = [...new Set(instances)].sort();
  if (live.length === 0) return [];
  const fair = Math.floor(partitions / live.length);
  /** How many instances may still take one partition more than `fair`. */
  let extra = partitions % live.length;
  const load = new Map(live.map((instance) => [instance, 0]));
  const owners: string[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const ranked = live
      .map((instance) => ({ instance, rank: score(`${topic}\u0000${partition}\u0000${instance}`) }))
      .sort((left, right) => right.rank - left.rank || (left.instance < right.instance ? -1 : 1));
    for (const { instance } of ranked) {
      const taken = load.get(instance) ?? 0;
      if (taken < fair || (taken === fair && extra > 0)) {
        if (taken === fair) extra--;
        load.set(instance, taken + 1);
        owners.push(instance);
        break;
      }
    }
  }
  return owners;
}

/** FNV-1a, then MurmurHash3's finalizer: FNV alone spreads similar names poorly. */
function score(text: string): number {
  let hash = fnv1a32(text);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
