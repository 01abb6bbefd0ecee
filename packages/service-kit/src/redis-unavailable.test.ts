import { describe, expect, it } from "vitest";
import { isRedisUnavailable } from "./redis-unavailable.js";

describe("isRedisUnavailable", () => {
  it("is false for what is not an error object", () => {
    for (const thrown of [undefined, null, "Connection is closed.", 42]) {
      expect(isRedisUnavailable(thrown)).toBe(false);
    }
  });

  it("looks through a few levels of causes, not an endless chain", () => {
    const unavailable = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const wrap = (cause: unknown, times: number): unknown =>
      times === 0 ? cause : wrap(new Error(`wrapper ${times}`, { cause }), times - 1);
    expect(isRedisUnavailable(wrap(unavailable, 4))).toBe(true);
    expect(isRedisUnavailable(wrap(unavailable, 10))).toBe(false);
  });
});
