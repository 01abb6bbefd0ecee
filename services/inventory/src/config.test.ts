import { baseConfigSchema, loadConfig } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { configSchema } from "./config.js";

const schema = baseConfigSchema.extend(configSchema.shape);

describe("configuration", () => {
  it("defaults to port 3001, seeding on, threshold 5, a day of idempotency keys, 7 days of orders and the catalog's stream retention", () => {
    expect(loadConfig(schema, {})).toMatchObject({
      PORT: 3001,
      SEED_DEMO_CATALOG: true,
      LOW_STOCK_THRESHOLD: 5,
      IDEMPOTENCY_TTL_SECONDS: 86_400,
      ORDER_RETENTION_MS: 604_800_000,
    });
    expect(loadConfig(schema, {}).BUS_STREAM_MAX_LENGTH).toBeUndefined();
  });

  it("reads ORDER_RETENTION_MS=0 as keep forever and refuses a BUS_STREAM_MAX_LENGTH of 0", () => {
    expect(loadConfig(schema, { ORDER_RETENTION_MS: "0" }).ORDER_RETENTION_MS).toBe(0);
    expect(loadConfig(schema, { BUS_STREAM_MAX_LENGTH: "20000" }).BUS_STREAM_MAX_LENGTH).toBe(
      20_000,
    );
    expect(() => loadConfig(schema, { BUS_STREAM_MAX_LENGTH: "0" })).toThrow(
      /BUS_STREAM_MAX_LENGTH/,
    );
  });

  it.each([
    ["false", false],
    ["0", false],
    ["no", false],
    ["true", true],
    ["1", true],
  ])("reads SEED_DEMO_CATALOG=%s as %s", (value, expected) => {
    expect(loadConfig(schema, { SEED_DEMO_CATALOG: value }).SEED_DEMO_CATALOG).toBe(expected);
  });

  it("names every invalid variable", () => {
    expect(() =>
      loadConfig(schema, { SEED_DEMO_CATALOG: "maybe", LOW_STOCK_THRESHOLD: "-1" }),
    ).toThrow(/SEED_DEMO_CATALOG: must be true or false[\s\S]*LOW_STOCK_THRESHOLD/);
  });
});
