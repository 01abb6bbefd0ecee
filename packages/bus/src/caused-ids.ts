import { createHash } from "node:crypto";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The id of the `ordinal`-th event (0-based) a handler of `group` publishes to `topic`
 * because of the event `causeId`: the same inputs give the same id, so a handler run
 * again after a crash (between its publish and its acknowledgement) publishes the same
 * event again rather than a new one, and consumers drop the copy by id.
 *
 * A UUIDv7 like every other event id: the timestamp is the cause's (when the cause is
 * a UUIDv7, else one derived from the hash), the rest is a SHA-256 of the inputs.
 */
export function causedEventId(
  causeId: string,
  group: string,
  topic: string,
  ordinal: number,
): string {
  const hash = createHash("sha256")
    .update(`${causeId}\u0000${group}\u0000${topic}\u0000${ordinal}`)
    .digest("hex");
  const timestamp = UUID_V7.test(causeId)
    ? causeId.slice(0, 8) + causeId.slice(9, 13)
    : hash.slice(20, 32);
  const variant = ((Number.parseInt(hash[3] as string, 16) & 0x3) | 0x8).toString(16);
  return `${timestamp.slice(0, 8)}-${timestamp.slice(8, 12)}-7${hash.slice(0, 3)}-${variant}${hash.slice(4, 7)}-${hash.slice(7, 19)}`.toLowerCase();
}
