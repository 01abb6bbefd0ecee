import { describe, expect, it } from "vitest";
import { dueAt, dueCount, ordersIn } from "./schedule.js";

describe("the open-loop schedule", () => {
  it("spaces orders evenly: at 500/s order i is due at 2·i ms", () => {
    expect([0, 1, 2, 250].map((index) => dueAt(index, 500))).toEqual([0, 2, 4, 500]);
  });

  it("makes the first order due at once and one more every 1/rate seconds", () => {
    expect(dueCount(0, 1_000, 10)).toBe(1);
    expect(dueCount(0.99, 1_000, 10)).toBe(1);
    expect(dueCount(1, 1_000, 10)).toBe(2);
    expect(dueCount(4.5, 1_000, 10)).toBe(5);
  });

  it("never makes more orders due than the run has, and none before the start", () => {
    expect(dueCount(60_000, 1_000, 10)).toBe(10);
    expect(dueCount(-1, 1_000, 10)).toBe(0);
  });

  it("agrees with dueAt: order i is due exactly when dueCount first exceeds i", () => {
    for (const rate of [100, 500, 1_000, 7])
      for (const index of [0, 1, 5, 99]) {
        expect(dueCount(dueAt(index, rate), rate, 1_000)).toBeGreaterThan(index);
        expect(dueCount(dueAt(index, rate) - 1e-6, rate, 1_000)).toBeLessThanOrEqual(index);
      }
  });

  it("sizes a run as seconds × rate", () => {
    expect(ordersIn(10, 500)).toBe(5_000);
    expect(ordersIn(3, 100)).toBe(300);
  });
});
