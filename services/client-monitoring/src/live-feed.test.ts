import { examplePayloads, PERSONAL_DATA_MASK } from "@retail/contracts";
import { sseFrame } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { EventFrames, matches } from "./live-feed.js";
import type { EventView } from "./schemas.js";

const view = (type: string, payload: unknown): EventView => ({
  id: "e-1",
  type,
  source: "inventory",
  occurredAt: "2025-03-14T09:26:53.589Z",
  correlationId: "o-1",
  partitionKey: "o-1",
  payload,
});

/** Frames of `shown`, counting every serialization. */
function framesOf(shown: EventView) {
  const serialized: EventView[] = [];
  const frames = new EventFrames(shown, (event) => {
    serialized.push(event);
    return sseFrame(event.type, event.id, event);
  });
  return { frames, serialized };
}

describe("an event's frames for the live feed's viewers", () => {
  it("serializes an event with personal data twice at most, full and masked, however many viewers ask", () => {
    const placed = view("order.placed", examplePayloads["order.placed"]);
    const { frames, serialized } = framesOf(placed);
    const asked = [true, false, false, true, false, true].map((pii) => frames.for(pii));
    expect(serialized).toHaveLength(2);
    expect(new Set(asked).size).toBe(2);

    const full = frames.for(true);
    expect(full).toBe(sseFrame("order.placed", "e-1", placed));
    const masked = JSON.parse(/^data: (.*)$/m.exec(frames.for(false) ?? "")?.[1] ?? "null");
    expect(masked.payload.shippingAddress).toEqual({
      ...examplePayloads["order.placed"].shippingAddress,
      name: PERSONAL_DATA_MASK,
      line1: PERSONAL_DATA_MASK,
      city: PERSONAL_DATA_MASK,
      postalCode: PERSONAL_DATA_MASK,
    });
    expect({ ...masked, payload: undefined }).toEqual({ ...placed, payload: undefined });
    // The view the bus handed over is left as it was.
    expect(placed.payload).toEqual(examplePayloads["order.placed"]);
  });

  it("serializes an event without personal data once, the same frame for every viewer", () => {
    const { frames, serialized } = framesOf(view("stock.low", examplePayloads["stock.low"]));
    expect(frames.for(false)).toBe(frames.for(true));
    expect(serialized).toHaveLength(1);
  });

  it("serializes nothing until a viewer asks, and only the kind asked for", () => {
    const { frames, serialized } = framesOf(view("order.placed", examplePayloads["order.placed"]));
    expect(serialized).toHaveLength(0);
    frames.for(true);
    frames.for(true);
    expect(serialized).toHaveLength(1);
  });

  it("gives a viewer without pii:read nothing of a topic this instance does not know", () => {
    const { frames } = framesOf(view("order.vanished", { name: "Erika Musterfrau" }));
    expect(frames.for(false)).toBeUndefined();
    expect(frames.for(true)).toContain("Erika Musterfrau");
  });
});

describe("the live feed's order filter", () => {
  it("follows an order by its id, and by correlation only events no client app chose the id of", () => {
    const filter = { orderId: "o-1" };
    expect(
      matches(filter, { ...view("order.placed", { orderId: "o-1" }), correlationId: "x" }),
    ).toBe(true);
    // stock.low of the order's placement carries the order only as its correlation id
    expect(matches(filter, view("stock.low", { sku: "MUG-1", available: 1 }))).toBe(true);
    // a till that sent x-correlation-id: o-1 with its telemetry
    expect(matches(filter, view("client.telemetry", { clientId: "till-1", events: [] }))).toBe(
      false,
    );
    expect(
      matches(filter, { ...view("order.placed", { orderId: "o-2" }), correlationId: "o-2" }),
    ).toBe(false);
  });
});
