import { describe, expect, it } from "vitest";
import { RecentIds } from "./recent-ids.js";

describe("recent ids", () => {
  it("remembers the last ids up to its capacity and forgets the oldest first", () => {
    const recent = new RecentIds(3);
    for (const id of ["a", "b", "c"]) recent.add(id);
    expect(["a", "b", "c"].every((id) => recent.has(id))).toBe(true);
    recent.add("d");
    expect(recent.has("a")).toBe(false);
    expect(["b", "c", "d"].every((id) => recent.has(id))).toBe(true);
  });

  it("keeps an id seen again in its first slot, and never holds more than its capacity", () => {
    const recent = new RecentIds(2);
    recent.add("a");
    recent.add("a");
    recent.add("b");
    recent.add("c");
    expect(recent.has("a")).toBe(false);
    expect(recent.has("b") && recent.has("c")).toBe(true);
    for (let index = 0; index < 1_000; index += 1) recent.add(`id-${index}`);
    expect(recent.has("id-999") && recent.has("id-998")).toBe(true);
    expect(recent.has("id-997")).toBe(false);
  });
});
