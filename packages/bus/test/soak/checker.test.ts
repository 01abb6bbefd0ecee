import { describe, expect, it } from "vitest";
import { checkHistory, type GroupHistory, type PublishedEvent } from "./checker.js";

const published: PublishedEvent[] = [
  { id: "e1", seq: 1, key: "a" },
  { id: "e2", seq: 2, key: "a" },
  { id: "e3", seq: 3, key: "b" },
];

function history(overrides: Partial<GroupHistory>): GroupHistory {
  return {
    group: "worker",
    effects: new Map([
      ["a", [1, 2]],
      ["b", [3]],
    ]),
    deadLetters: [],
    ordered: true,
    ...overrides,
  };
}

describe("the soak's checker", () => {
  it("accepts one effect or one dead letter per event, in order", () => {
    expect(checkHistory(published, [history({})], new Set())).toEqual([]);
    const oneDead = history({ effects: new Map([["a", [1, 2]]]), deadLetters: ["e3"] });
    expect(checkHistory(published, [oneDead], new Set())).toEqual([]);
  });

  it("finds a lost event, a double effect, an event both handled and dead-lettered", () => {
    const kinds = (groupHistory: GroupHistory) =>
      checkHistory(published, [groupHistory], new Set()).map((violation) => violation.kind);
    expect(kinds(history({ effects: new Map([["a", [1, 2]]]) }))).toEqual(["lost"]);
    expect(
      kinds(
        history({
          effects: new Map([
            ["a", [1, 2, 2]],
            ["b", [3]],
          ]),
        }),
      ),
    ).toEqual(["twice"]);
    expect(kinds(history({ deadLetters: ["e3"] }))).toEqual(["handled-and-dead-lettered"]);
    expect(
      kinds(history({ deadLetters: ["e3", "e3"], effects: new Map([["a", [1, 2]]]) })),
    ).toEqual(["twice"]);
    expect(
      kinds(
        history({
          effects: new Map([
            ["a", [1, 2, 9]],
            ["b", [3]],
          ]),
        }),
      ),
    ).toEqual(["unknown"]);
  });

  it("finds a key's effects out of stream order where the group promises order, except replayed events", () => {
    const swapped = history({
      effects: new Map([
        ["a", [2, 1]],
        ["b", [3]],
      ]),
    });
    expect(
      checkHistory(published, [swapped], new Set()).map((violation) => violation.kind),
    ).toEqual(["out-of-order"]);
    expect(checkHistory(published, [swapped], new Set(["e1"]))).toEqual([]);
    expect(checkHistory(published, [{ ...swapped, ordered: false }], new Set())).toEqual([]);
  });
});
