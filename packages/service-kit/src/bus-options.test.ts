import { describe, expect, it } from "vitest";
import { busOptionsFromConfig } from "./bus-options.js";
import { baseConfigSchema, loadConfig } from "./config.js";

const configOf = (env: Record<string, string>) =>
  loadConfig(baseConfigSchema, { PORT: "0", ...env });

describe("busOptionsFromConfig", () => {
  it("leaves the bus's defaults when the variables are unset", () => {
    expect(busOptionsFromConfig(configOf({}))).toEqual({});
  });

  it("turns BUS_STREAM_MAX_LENGTH and BUS_IDEMPOTENCY_TTL_MS into bus options", () => {
    expect(
      busOptionsFromConfig(
        configOf({ BUS_STREAM_MAX_LENGTH: "20000", BUS_IDEMPOTENCY_TTL_MS: "60000" }),
      ),
    ).toEqual({ retention: { maxLength: 20_000 }, idempotencyTtlMs: 60_000 });
  });

  it("refuses a zero or negative value, naming the variable", () => {
    expect(() => configOf({ BUS_STREAM_MAX_LENGTH: "0" })).toThrow(/BUS_STREAM_MAX_LENGTH/);
    expect(() => configOf({ BUS_IDEMPOTENCY_TTL_MS: "-5" })).toThrow(/BUS_IDEMPOTENCY_TTL_MS/);
  });
});
