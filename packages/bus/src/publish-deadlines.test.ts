import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Envelope } from "./envelope.js";
import { PublishTimeoutError } from "./errors.js";
import { PublishDeadlines } from "./publish-deadlines.js";

function event(id: string): Envelope {
  return { id, type: "test.topic" } as Envelope;
}

/** A write whose answer the test gives. */
function write<T>() {
  let answer!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  return { promise, answer, fail };
}

/** How a promise settled, without waiting for it. */
function outcome<T>(promise: Promise<T>) {
  const seen: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error: unknown) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
}

describe("publish deadlines", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves with the write's answer and leaves no timer once every write is answered", async () => {
    const deadlines = new PublishDeadlines(1_000);
    const first = write<string>();
    const second = write<string>();
    const results = [
      deadlines.bound(event("e-1"), first.promise),
      deadlines.bound(event("e-2"), second.promise),
    ];
    expect(vi.getTimerCount()).toBe(1);
    second.answer("2-0");
    first.answer("1-0");
    await expect(Promise.all(results)).resolves.toEqual(["1-0", "2-0"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects a write unanswered past the timeout with a typed error naming the event to retry", async () => {
    const deadlines = new PublishDeadlines(1_000);
    const stuck = outcome(deadlines.bound(event("e-stuck"), write<string>().promise));
    await vi.advanceTimersByTimeAsync(999);
    expect(stuck.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stuck.error).toBeInstanceOf(PublishTimeoutError);
    expect(stuck.error).toMatchObject({
      code: "BUS_ERR_PUBLISH_TIMEOUT",
      eventId: "e-stuck",
      timeoutMs: 1_000,
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("expires each write at its own deadline: a later write keeps its time after an earlier one expires", async () => {
    const deadlines = new PublishDeadlines(1_000);
    const early = outcome(deadlines.bound(event("e-early"), write<string>().promise));
    await vi.advanceTimersByTimeAsync(600);
    const late = write<string>();
    const lateResult = outcome(deadlines.bound(event("e-late"), late.promise));
    await vi.advanceTimersByTimeAsync(400);
    expect(early.error).toBeInstanceOf(PublishTimeoutError);
    expect(lateResult.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(599);
    expect(lateResult.settled).toBe(false);
    late.answer("3-0");
    await vi.advanceTimersByTimeAsync(0);
    expect(lateResult).toMatchObject({ settled: true, value: "3-0" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes a failed write's own error through, and an answer after the timeout changes nothing", async () => {
    const deadlines = new PublishDeadlines(1_000);
    const failing = write<string>();
    const failed = outcome(deadlines.bound(event("e-fails"), failing.promise));
    const slow = write<string>();
    const timedOut = outcome(deadlines.bound(event("e-slow"), slow.promise));
    failing.fail(new Error("READONLY You can't write against a read only replica."));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((failed.error as Error).message).toMatch(/^READONLY/);
    expect(timedOut.error).toBeInstanceOf(PublishTimeoutError);
    slow.answer("4-0");
    await vi.advanceTimersByTimeAsync(0);
    expect(timedOut.error).toBeInstanceOf(PublishTimeoutError);
  });
});
