/**
 * Which partition stream an event goes to: the 32-bit FNV-1a hash of its
 * partition key's UTF-8 bytes, modulo the topic's partition count. Stable across
 * processes, versions and languages, so producers written elsewhere can agree.
 */
export function partitionFor(partitionKey: string, partitions: number): number {
  if (partitions <= 1) return 0;
  return fnv1a32(partitionKey) % partitions;
}

const encoder = new TextEncoder();

export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
