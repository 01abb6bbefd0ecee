import { catalog } from "@retail/contracts";
import { describe, expect, it } from "vitest";
import { errorCode, fleetIdentities, telemetryBatch, userAgent } from "./fleet.js";
import { createRandom } from "./random.js";

const telemetryEvents = catalog["client.telemetry"].schema.shape.events;

describe("fleetIdentities", () => {
  it("names the clients by app type and number, with their versions", () => {
    const clients = fleetIdentities({ TILLS: 3, WEB_SHOPS: 1, MOBILE_APPS: 2 });
    expect(clients).toEqual([
      { clientId: "till-1", app: "till", version: "4.2.0" },
      { clientId: "till-2", app: "till", version: "4.2.0" },
      { clientId: "till-3", app: "till", version: "4.1.3" },
      { clientId: "web-shop-1", app: "web-shop", version: "2025.11.2" },
      { clientId: "mobile-1", app: "mobile", version: "3.9.0" },
      { clientId: "mobile-2", app: "mobile", version: "3.8.2" },
    ]);
    expect(fleetIdentities({ TILLS: 1, WEB_SHOPS: 0, MOBILE_APPS: 0 })).toEqual([
      { clientId: "till-1", app: "till", version: "4.2.0" },
    ]);
    expect(userAgent({ clientId: "till-1", app: "till", version: "4.2.0" })).toBe(
      "retail-till/4.2.0 (till-1)",
    );
  });
});

describe("telemetryBatch", () => {
  it("makes batches the client.telemetry contract accepts, oldest first, of every event type", () => {
    const random = createRandom("telemetry");
    const now = Date.parse("2025-03-14T09:30:00.000Z");
    const types = new Set<string>();
    for (const app of ["till", "web-shop", "mobile"] as const) {
      for (let index = 0; index < 200; index++) {
        const events = telemetryEvents.parse(telemetryBatch(random, app, now, 15_000));
        expect(events.length).toBeGreaterThanOrEqual(1);
        expect(events.length).toBeLessThanOrEqual(8);
        const times = events.map((event) => Date.parse(event.at));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        for (const time of times) {
          expect(time).toBeLessThanOrEqual(now);
          expect(time).toBeGreaterThan(now - 15_000);
        }
        for (const event of events) types.add(`${app}:${event.type}`);
      }
    }
    for (const app of ["till", "web-shop", "mobile"]) {
      for (const type of ["error", "log", "metric", "pageview"])
        expect(types).toContain(`${app}:${type}`);
    }
  });
});

describe("errorCode", () => {
  it("reads the kit's error body, and nothing else", () => {
    expect(errorCode({ error: { code: "out_of_stock", message: "x" } })).toBe("out_of_stock");
    expect(errorCode({ error: "x" })).toBeUndefined();
    expect(errorCode("text")).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
  });
});
