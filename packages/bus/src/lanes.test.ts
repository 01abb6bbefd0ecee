import { describe, expect, it } from "vitest";
import { KeyLanes } from "./lanes.js";

/** A task the test finishes when it chooses. */
function pending() {
  let finish!: () => void;
  const promise = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { promise, finish };
}

async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn++) await Promise.resolve();
}

describe("key lanes", () => {
  it("runs items that finish at once immediately, in the order added", () => {
    const ran: string[] = [];
    const lanes = new KeyLanes<string>((item) => {
      ran.push(item);
      return undefined;
    });
    lanes.add("k", "a");
    lanes.add("k", "b");
    lanes.add("j", "c");
    expect(ran).toEqual(["a", "b", "c"]);
    expect(lanes.takeWaiting()).toEqual([]);
  });

  it("holds a key's later items until the one in progress finishes; other keys run meanwhile", async () => {
    const ran: string[] = [];
    const slow = pending();
    const lanes = new KeyLanes<string>((item) => {
      ran.push(item);
      return item === "a" ? slow.promise : undefined;
    });
    lanes.add("k", "a");
    lanes.add("k", "b");
    lanes.add("j", "c");
    lanes.add("k", "d");
    expect(ran).toEqual(["a", "c"]);
    slow.finish();
    await settle();
    expect(ran).toEqual(["a", "c", "b", "d"]);
    lanes.add("k", "e");
    expect(ran).toEqual(["a", "c", "b", "d", "e"]);
  });

  it("gives up waiting items, and removes one that has not started", () => {
    const lanes = new KeyLanes<string>(() => pending().promise);
    lanes.add("k", "a");
    lanes.add("k", "b");
    lanes.add("k", "c");
    expect(lanes.remove("k", "a")).toBe(false);
    expect(lanes.remove("k", "b")).toBe(true);
    expect(lanes.takeWaiting()).toEqual(["c"]);
  });
});
