import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTimerMember, STEPS, timerMember } from "./keys.js";
import {
  fromHash,
  newShipmentId,
  newTrackingNumber,
  pickCarrier,
  publicView,
  type StoredShipment,
  toHashFields,
} from "./shipment.js";

describe("shipment", () => {
  it("picks the same carrier for the same order, from the configured ones", () => {
    const carriers = ["dhl", "ups", "dpd"];
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128 }), (orderId) => {
        const carrier = pickCarrier(orderId, carriers);
        expect(carriers).toContain(carrier);
        expect(pickCarrier(orderId, carriers)).toBe(carrier);
      }),
    );
    const used = new Set(
      Array.from({ length: 200 }, (_, index) => pickCarrier(`ord-${index}`, carriers)),
    );
    expect(used.size).toBe(carriers.length);
  });

  it("makes tracking numbers in the carrier's style and unique shipment ids", () => {
    expect(newTrackingNumber("acme-post")).toMatch(/^ACMEPOST\d{12}$/);
    const ids = new Set(Array.from({ length: 100 }, newShipmentId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^shp_[0-9a-f-]{36}$/);
  });

  it("reads back what it stores, and shows clients no saga bookkeeping", () => {
    const stored: StoredShipment = {
      shipmentId: "shp_1",
      orderId: "ord-1",
      status: "cancelled",
      carrier: "dhl",
      trackingNumber: "DHL000000000001",
      destinationCountry: "GB",
      reason: "order_cancelled",
      history: [
        { status: "pending", at: "2025-03-14T09:26:53.589Z" },
        { status: "cancelled", at: "2025-03-14T09:27:00.000Z" },
      ],
      createdAt: "2025-03-14T09:26:53.589Z",
      updatedAt: "2025-03-14T09:27:00.000Z",
      correlationId: "cor-1",
      lastEventId: "evt-2",
    };
    const fields = toHashFields(stored);
    const hash: Record<string, string> = {};
    for (let index = 0; index < fields.length; index += 2)
      hash[fields[index] as string] = fields[index + 1] as string;
    expect(fromHash(hash)).toEqual(stored);
    expect(fromHash({})).toBeUndefined();
    expect(publicView(stored)).not.toHaveProperty("correlationId");
    expect(publicView(stored)).not.toHaveProperty("lastEventId");
  });

  it("names timers <shipmentId>|<step> and parses them back", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.constantFrom(...STEPS), (shipmentId, step) => {
        expect(parseTimerMember(timerMember(shipmentId, step))).toEqual({ shipmentId, step });
      }),
    );
    expect(parseTimerMember("shp_1|fly")).toBeUndefined();
    expect(parseTimerMember("|dispatch")).toBeUndefined();
    expect(parseTimerMember("no-step")).toBeUndefined();
  });
});
