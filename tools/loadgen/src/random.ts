import { randomInt } from "node:crypto";

/**
 * A seeded pseudo-random sequence (mulberry32): the same seed gives the same draws, so
 * a run can be replayed with `SEED`. Not for anything secret: idempotency keys come
 * from `crypto.randomUUID()`, never from here.
 */
export interface Random {
  /** The 32-bit seed this sequence started from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  /** `true` with probability `p` (0 never, 1 always). */
  chance(p: number): boolean;
  /** One item, uniformly. Throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct items (all of them, shuffled, if there are fewer). */
  sample<T>(items: readonly T[], count: number): T[];
  /** Waiting time until the next event of a Poisson process with this rate (events per unit). */
  exponential(rate: number): number;
  /**
   * An independent sequence derived from this one's seed and `label`, so that each
   * simulated client draws from its own sequence whatever order timers fire in.
   */
  fork(label: string): Random;
}

/** A 32-bit seed from any text (FNV-1a, then a final avalanche). */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

/**
 * A seeded sequence. A numeric seed is used as is (as 32 bits); a text seed is
 * hashed; without one a random seed is drawn (read it from `.seed` to replay the run).
 */
export function createRandom(seed?: number | string): Random {
  const start =
    seed === undefined
      ? randomInt(0, 2 ** 32 - 1)
      : typeof seed === "number" && Number.isInteger(seed)
        ? seed >>> 0
        : hashSeed(String(seed));
  return mulberry32(start);
}

function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`int(${min}, ${max}): need integers with min <= max`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };
  const random: Random = {
    seed,
    next,
    int,
    between: (min, max) => min + next() * (max - min),
    chance: (p) => p > 0 && next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("pick() from an empty list");
      return items[int(0, items.length - 1)] as T;
    },
    sample<T>(items: readonly T[], count: number): T[] {
      const pool = [...items];
      // Partial Fisher-Yates: the first `count` slots end up a uniform sample.
      const wanted = Math.min(Math.max(0, count), pool.length);
      for (let index = 0; index < wanted; index++) {
        const other = int(index, pool.length - 1);
        [pool[index], pool[other]] = [pool[other] as T, pool[index] as T];
      }
      return pool.slice(0, wanted);
    },
    exponential(rate: number): number {
      if (!(rate > 0)) throw new RangeError("exponential() needs a positive rate");
      return -Math.log(1 - next()) / rate;
    },
    fork: (label) => mulberry32(hashSeed(`${seed}:${label}`)),
  };
  return random;
}
