import { describe, expect, it } from "vitest";
import { pairOrder } from "./cluster.js";

describe("pairOrder", () => {
  it("runs the pair as given in odd rounds and swapped in even ones, so each goes first as often", () => {
    expect(pairOrder(1, ["a", "b"])).toEqual(["a", "b"]);
    expect(pairOrder(2, ["a", "b"])).toEqual(["b", "a"]);
    expect(pairOrder(3, ["a", "b"])).toEqual(["a", "b"]);
  });
});
