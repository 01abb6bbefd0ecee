import { describe, expect, it } from "vitest";
import { KeyLanes, type ParkedHead } from "./lanes.js";

/** A task the test finishes when it chooses: done, or parked. */
function pending() {
  let finish!: (parked?: ParkedHead) => void;
  const promise = new Promise<ParkedHead | undefined>((resolve) => {
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
    expect(lanes.takeWaiting()).toEqual([{ item: "c", behind: undefined }]);
  });

  it("holds a key's later items behind a parked item, without counting them as running, until it comes back", async () => {
    const ran: string[] = [];
    const first = pending();
    const lanes = new KeyLanes<string>((item) => {
      ran.push(item);
      return item === "a" ? first.promise : undefined;
    });
    lanes.add("k", "a");
    lanes.add("k", "b");
    first.finish({ entryId: "1-0", due: 5 });
    await settle();
    lanes.add("k", "c");
    lanes.add("j", "d");
    expect(ran).toEqual(["a", "d"]);
    expect(lanes.parkedWaiting).toBe(2);
    expect(lanes.parkedHeads()).toEqual([["k", { entryId: "1-0", due: 5 }]]);

    lanes.resume("k", "a again");
    await settle();
    expect(ran).toEqual(["a", "d", "a again", "b", "c"]);
    expect(lanes.parkedWaiting).toBe(0);
    expect(lanes.parkedHeads()).toEqual([]);
  });

  it("lets a parked key's items go on without their head once it is unblocked", async () => {
    const ran: string[] = [];
    const lanes = new KeyLanes<string>((item) => {
      ran.push(item);
      return item === "a" ? Promise.resolve({ entryId: "1-0", due: 5 }) : undefined;
    });
    lanes.add("k", "a");
    await settle();
    lanes.add("k", "b");
    expect(lanes.takeWaiting()).toEqual([{ item: "b", behind: { entryId: "1-0", due: 5 } }]);
    lanes.add("k", "c");
    lanes.unblock("k");
    await settle();
    expect(ran).toEqual(["a", "c"]);
  });
});
