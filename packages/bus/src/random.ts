import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";

/**
 * Random bytes for ids, drawn from a pool refilled 4 KiB at a time. `randomBytes` and
 * `crypto.getRandomValues` cost about 2 µs per call, which made ids the largest cost of
 * a publish; the pool makes them ~0.1 µs (as Node's own `randomUUID` cache does).
 */
const POOL_SIZE = 4_096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `size` (≤ 4096) random bytes. The view is only valid until the next call: copy or encode it at once. */
function randomFromPool(size: number): Buffer {
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + size);
  offset += size;
  return bytes;
}

/** `size` random bytes as lower-case hex. */
export function randomHex(size: number): string {
  return randomFromPool(size).toString("hex");
}

const v7State = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

/**
 * A UUIDv7, monotonic within the process as `uuid`'s own `v7()` is (same state rules:
 * a random 31-bit sequence each millisecond, incremented within it), but with pooled
 * random bytes.
 */
export function uuidv7(): string {
  const random = randomFromPool(16);
  const now = Date.now();
  if (now > v7State.msecs) {
    v7State.seq =
      (((random[6] as number) & 0x7f) << 24) |
      ((random[7] as number) << 16) |
      ((random[8] as number) << 8) |
      (random[9] as number);
    v7State.msecs = now;
  } else {
    v7State.seq = (v7State.seq + 1) | 0;
    if (v7State.seq === 0) v7State.msecs++;
  }
  return v7({ random, msecs: v7State.msecs, seq: v7State.seq });
}
