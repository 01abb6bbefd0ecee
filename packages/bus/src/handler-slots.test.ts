import { describe, expect, it } from "vitest";
import { HandlerSlots } from "./handler-slots.js";
import { uncheckedEntry } from "./held-entry.js";

function held(count: number) {
  return Array.from({ length: count }, (_, index) => uncheckedEntry(`${index}-0`, [], 1));
}

describe("handler slots", () => {
  it("counts every held entry against the slots, except those waiting behind a parked entry", () => {
    const lanes = { parkedWaiting: 0 };
    const slots = new HandlerSlots(4, lanes);
    for (const entry of held(3)) slots.hold(entry);
    expect(slots.free).toBe(1);
    lanes.parkedWaiting = 2;
    expect(slots.free).toBe(3);
  });

  it("holds at most ten times the slots, however many of them wait behind parked entries", () => {
    const lanes = { parkedWaiting: 0 };
    const slots = new HandlerSlots(2, lanes);
    for (const entry of held(19)) slots.hold(entry);
    lanes.parkedWaiting = 19;
    expect(slots.free).toBe(1);
  });

  it("tells the waiting reader and the listeners of each release, once per entry, and resolves `empty` with the last", async () => {
    const slots = new HandlerSlots(2, { parkedWaiting: 0 });
    const first = uncheckedEntry("1-0", [], 1);
    const second = uncheckedEntry("2-0", [], 1);
    slots.hold(first);
    slots.hold(second);
    const heard: string[] = [];
    slots.onFreed(() => heard.push("listener"));
    const freed = slots.freed().then(() => heard.push("reader"));
    let empty = false;
    const emptied = slots.empty().then(() => {
      empty = true;
    });

    slots.release(first);
    slots.release(first); // a second release of the same entry frees nothing
    await freed;
    expect(heard).toEqual(["listener", "reader"]);
    expect(empty).toBe(false);

    slots.release(second);
    await emptied;
    expect(heard).toEqual(["listener", "reader", "listener"]);
    expect(slots.size).toBe(0);
  });

  it("lets the reader stop waiting without a release", async () => {
    const slots = new HandlerSlots(1, { parkedWaiting: 0 });
    const waiting = slots.freed();
    slots.wake();
    await expect(waiting).resolves.toBeUndefined();
  });
});
