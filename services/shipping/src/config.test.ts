import { ConfigError, createServiceContext } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { configSchema, DEFAULT_CARRIERS, DEFAULT_SHIPPING_COUNTRIES } from "./config.js";

const load = (env: Record<string, string>) =>
  createServiceContext({ name: "shipping", configSchema, env: { LOG_LEVEL: "silent", ...env } })
    .config;

describe("configuration", () => {
  it("has a default for every variable, port 3002 included", () => {
    const config = load({});
    expect(config).toMatchObject({
      PORT: 3002,
      SHIPPING_DISPATCH_DELAY_MS: 2_000,
      SHIPPING_DELIVERY_DELAY_MS: 3_000,
      SHIPPING_TIMER_POLL_MS: 200,
      SHIPPING_TIMER_BATCH: 100,
      SHIPPING_CANCELLED_ORDER_TTL_MS: 604_800_000,
      SHIPMENT_RETENTION_MS: 604_800_000,
    });
    expect(config.BUS_STREAM_MAX_LENGTH).toBeUndefined();
    expect(config.SHIPPING_COUNTRIES).toEqual([...DEFAULT_SHIPPING_COUNTRIES]);
    expect(config.SHIPPING_COUNTRIES).toEqual(expect.arrayContaining(["DE", "GB", "US", "CA"]));
    expect(config.SHIPPING_CARRIERS).toEqual([...DEFAULT_CARRIERS]);
  });

  it("reads comma-separated countries in any case, ignoring blanks and duplicates", () => {
    expect(load({ SHIPPING_COUNTRIES: " de, FR,,de ,us" }).SHIPPING_COUNTRIES).toEqual([
      "DE",
      "FR",
      "US",
    ]);
    expect(load({ SHIPPING_CARRIERS: "dhl, acme-post" }).SHIPPING_CARRIERS).toEqual([
      "dhl",
      "acme-post",
    ]);
  });

  it("refuses a list that is empty or holds something that is not a country code, naming the variable", () => {
    for (const value of ["", " , ", "DE,Germany", "D1"]) {
      expect(() => load({ SHIPPING_COUNTRIES: value })).toThrow(ConfigError);
      try {
        load({ SHIPPING_COUNTRIES: value });
      } catch (error) {
        expect((error as ConfigError).issues.map((issue) => issue.variable)).toEqual([
          "SHIPPING_COUNTRIES",
        ]);
      }
    }
    expect(() => load({ SHIPPING_CARRIERS: "DHL" })).toThrow(ConfigError);
    expect(() => load({ SHIPPING_TIMER_POLL_MS: "0" })).toThrow(ConfigError);
    expect(() => load({ SHIPPING_DISPATCH_DELAY_MS: "1.5" })).toThrow(ConfigError);
  });
});
