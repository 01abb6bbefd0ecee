/// <reference path="./cluster-key-slot.d.ts" />
import slotOf, { generateMulti } from "cluster-key-slot";

/** The Redis Cluster slot (0–16383) of a key, as `CLUSTER KEYSLOT` computes it (hash tags honoured). */
export function keySlot(key: string): number {
  return slotOf(key);
}

/** Whether every key hashes to one slot (an atomic step on Redis Cluster needs that). */
export function shareOneSlot(keys: readonly string[]): boolean {
  return keys.length < 2 || generateMulti(keys) >= 0;
}
