import { ConfigError } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

describe("parseConfig", () => {
  it("has a default for every variable", () => {
    expect(parseConfig({})).toEqual({
      LOG_LEVEL: "info",
      NODE_ENV: "production",
      INVENTORY_URL: "http://localhost:3001",
      MONITORING_URL: "http://localhost:3003",
      ORDERS_PER_SECOND: 2,
      TILLS: 4,
      WEB_SHOPS: 1,
      MOBILE_APPS: 2,
      HEARTBEAT_INTERVAL_MS: 5_000,
      TELEMETRY_INTERVAL_MS: 15_000,
      QUIET_CHANCE: 0.01,
      QUIET_DURATION_MS: 30_000,
      MAX_QUIET_CLIENTS: 1,
      UNSUPPORTED_COUNTRY_SHARE: 0.1,
      LARGE_ORDER_SHARE: 0.05,
      CANCEL_SHARE: 0.05,
      PRODUCTS_REFRESH_MS: 10_000,
      RESTOCK_BELOW: 5,
      REQUEST_TIMEOUT_MS: 5_000,
      HTTP_MAX_ATTEMPTS: 4,
      HTTP_RETRY_BASE_MS: 200,
      READY_TIMEOUT_MS: 120_000,
      SUMMARY_INTERVAL_MS: 30_000,
      STOP_TIMEOUT_MS: 3_000,
      DURATION_MS: 0,
      AUTH_KEYS_DIR: "/keys",
    });
  });

  it("reads fractional rates and shares, URLs without their trailing slash, and a seed", () => {
    const config = parseConfig({
      ORDERS_PER_SECOND: "0.5",
      UNSUPPORTED_COUNTRY_SHARE: "1",
      CANCEL_SHARE: "0",
      INVENTORY_URL: "http://inventory:3001/",
      MONITORING_URL: "https://monitoring.example",
      TILLS: "0",
      DURATION_MS: "60000",
      SEED: " demo ",
    });
    expect(config).toMatchObject({
      ORDERS_PER_SECOND: 0.5,
      UNSUPPORTED_COUNTRY_SHARE: 1,
      CANCEL_SHARE: 0,
      INVENTORY_URL: "http://inventory:3001",
      MONITORING_URL: "https://monitoring.example",
      TILLS: 0,
      DURATION_MS: 60_000,
      SEED: "demo",
    });
  });

  it("names every invalid variable", () => {
    let thrown: unknown;
    try {
      parseConfig({
        ORDERS_PER_SECOND: "-1",
        TILLS: "two",
        HEARTBEAT_INTERVAL_MS: "0",
        UNSUPPORTED_COUNTRY_SHARE: "1.5",
        CANCEL_SHARE: "",
        INVENTORY_URL: "redis://localhost:6379",
        LOG_LEVEL: "loud",
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues.map((issue) => issue.variable).sort()).toEqual([
      "CANCEL_SHARE",
      "HEARTBEAT_INTERVAL_MS",
      "INVENTORY_URL",
      "LOG_LEVEL",
      "ORDERS_PER_SECOND",
      "TILLS",
      "UNSUPPORTED_COUNTRY_SHARE",
    ]);
  });
});
