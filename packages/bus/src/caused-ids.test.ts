import { describe, expect, it } from "vitest";
import { causedEventId } from "./caused-ids.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const cause = "0190f6a0-1234-7abc-8def-0123456789ab";

describe("ids of caused events", () => {
  it("are the same for the same cause, group, topic and ordinal", () => {
    expect(causedEventId(cause, "shipping", "shipment.created", 0)).toBe(
      causedEventId(cause, "shipping", "shipment.created", 0),
    );
  });

  it("differ when any input differs", () => {
    const ids = new Set([
      causedEventId(cause, "shipping", "shipment.created", 0),
      causedEventId(cause, "shipping", "shipment.created", 1),
      causedEventId(cause, "shipping", "shipment.failed", 0),
      causedEventId(cause, "inventory", "shipment.created", 0),
      causedEventId("0190f6a0-1234-7abc-8def-0123456789ac", "shipping", "shipment.created", 0),
    ]);
    expect(ids.size).toBe(5);
  });

  it("are UUIDv7s carrying the cause's timestamp, or one from the hash for other ids", () => {
    const id = causedEventId(cause, "shipping", "shipment.created", 0);
    expect(id).toMatch(V7);
    expect(id.slice(0, 13)).toBe(cause.slice(0, 13));
    expect(causedEventId("order-42", "shipping", "shipment.created", 0)).toMatch(V7);
  });
});
