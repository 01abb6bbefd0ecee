import { describe, expect, it } from "vitest";
import { fnv1a32, partitionFor } from "./partitioning.js";

describe("partitioning", () => {
  it("uses the standard 32-bit FNV-1a hash, so other languages can agree", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("sends one key to one partition, always", () => {
    expect(partitionFor("order-42", 8)).toBe(partitionFor("order-42", 8));
    expect(partitionFor("anything", 1)).toBe(0);
  });

  it("spreads many keys over every partition", () => {
    const counts = new Array(4).fill(0);
    for (let index = 0; index < 4_000; index += 1) counts[partitionFor(`order-${index}`, 4)] += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
