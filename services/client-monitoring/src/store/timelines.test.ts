import { describe, expect, it } from "vitest";
import { type TimelineEntry, withLatencies } from "./timelines.js";

const entry = (
  id: string,
  occurredAt: string,
  causationId: string | null = null,
): TimelineEntry => ({
  id,
  type: "order.placed",
  source: "inventory",
  occurredAt,
  receivedAt: occurredAt,
  causationId,
});

describe("withLatencies", () => {
  it("measures each hop from its cause, else from the previous event, and sorts by occurredAt", () => {
    const events = withLatencies([
      entry("d", "2025-01-01T00:00:00.900Z", "unknown-cause"),
      entry("c", "2025-01-01T00:00:00.500Z", "a"),
      entry("b", "2025-01-01T00:00:00.300Z", "a"),
      entry("a", "2025-01-01T00:00:00.100Z"),
    ]);
    expect(events.map(({ id, latencyMs }) => [id, latencyMs])).toEqual([
      ["a", null],
      ["b", 200],
      ["c", 400],
      ["d", 400],
    ]);
  });

  it("orders events of the same millisecond by id", () => {
    const at = "2025-01-01T00:00:00.000Z";
    expect(withLatencies([entry("y", at), entry("x", at)]).map(({ id }) => id)).toEqual(["x", "y"]);
  });
});
