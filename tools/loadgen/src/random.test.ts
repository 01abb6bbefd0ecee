import { describe, expect, it } from "vitest";
import { createRandom, hashSeed } from "./random.js";

const draws = (seed: number | string, count = 20) => {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => random.next());
};

describe("createRandom", () => {
  it("gives the same sequence for the same seed, and another for another seed", () => {
    expect(draws(42)).toEqual(draws(42));
    expect(draws("demo")).toEqual(draws("demo"));
    expect(draws(42)).not.toEqual(draws(43));
    expect(draws("demo")).not.toEqual(draws("Demo"));
  });

  it("draws a random seed when given none, and reports it for a replay", () => {
    const random = createRandom();
    const first = [random.next(), random.next()];
    const replay = createRandom(random.seed);
    expect([replay.next(), replay.next()]).toEqual(first);
  });

  it("keeps every draw in its range", () => {
    const random = createRandom(7);
    const ints = new Set<number>();
    for (let index = 0; index < 2_000; index++) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      const int = random.int(1, 3);
      expect(Number.isInteger(int)).toBe(true);
      ints.add(int);
      const between = random.between(0.5, 1.5);
      expect(between).toBeGreaterThanOrEqual(0.5);
      expect(between).toBeLessThan(1.5);
      expect(random.exponential(2)).toBeGreaterThanOrEqual(0);
    }
    expect([...ints].sort()).toEqual([1, 2, 3]);
    expect(() => random.int(3, 1)).toThrow(RangeError);
    expect(() => random.int(0.5, 1)).toThrow(RangeError);
  });

  it("chance(0) is never and chance(1) always", () => {
    const random = createRandom(1);
    for (let index = 0; index < 500; index++) {
      expect(random.chance(0)).toBe(false);
      expect(random.chance(1)).toBe(true);
    }
  });

  it("picks from a list and samples distinct items", () => {
    const random = createRandom(3);
    const items = ["a", "b", "c", "d", "e"];
    for (let index = 0; index < 200; index++) {
      expect(items).toContain(random.pick(items));
      const sample = random.sample(items, 3);
      expect(sample).toHaveLength(3);
      expect(new Set(sample).size).toBe(3);
      for (const item of sample) expect(items).toContain(item);
    }
    expect(random.sample(items, 10).sort()).toEqual(items);
    expect(random.sample(items, 0)).toEqual([]);
    expect(() => random.pick([])).toThrow(RangeError);
  });

  it("forks independent sequences that depend only on the seed and the label", () => {
    const one = createRandom(9);
    const other = createRandom(9);
    one.next(); // a draw on the parent does not move its forks
    const a = one.fork("till-1");
    const b = other.fork("till-1");
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
    expect(one.fork("till-1").next()).not.toBe(one.fork("till-2").next());
  });
});

describe("hashSeed", () => {
  it("maps text to a stable 32-bit unsigned integer", () => {
    expect(hashSeed("demo")).toBe(hashSeed("demo"));
    expect(hashSeed("demo")).not.toBe(hashSeed("demo2"));
    for (const text of ["", "a", "a much longer seed text"]) {
      const hash = hashSeed(text);
      expect(Number.isInteger(hash)).toBe(true);
      expect(hash).toBeGreaterThanOrEqual(0);
      expect(hash).toBeLessThan(2 ** 32);
    }
  });
});
