import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { GatewayConfigError } from "./errors.js";

describe("parseConfig", () => {
  it("needs only UPSTREAM, and defaults the rest", () => {
    expect(parseConfig({ UPSTREAM: "shipping:3002" })).toEqual({
      host: "0.0.0.0",
      port: 8080,
      upstreamHost: "shipping",
      upstreamPort: 3002,
      refreshMs: 1_000,
      connectTimeoutMs: 1_000,
      shutdownTimeoutMs: 5_000,
      logLevel: "info",
    });
  });

  it("reads every variable", () => {
    expect(
      parseConfig({
        HOST: "127.0.0.1",
        PORT: "3002",
        UPSTREAM: "[::1]:4000",
        UPSTREAM_REFRESH_MS: "0",
        CONNECT_TIMEOUT_MS: "250",
        SHUTDOWN_TIMEOUT_MS: "100",
        LOG_LEVEL: "warn",
      }),
    ).toMatchObject({
      host: "127.0.0.1",
      port: 3002,
      upstreamHost: "::1",
      upstreamPort: 4000,
      refreshMs: 0,
      connectTimeoutMs: 250,
      shutdownTimeoutMs: 100,
      logLevel: "warn",
    });
  });

  it("names every bad variable at once, with a stable code", () => {
    let thrown: unknown;
    try {
      parseConfig({
        UPSTREAM: "shipping",
        PORT: "http",
        CONNECT_TIMEOUT_MS: "0",
        LOG_LEVEL: "loud",
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayConfigError);
    expect(thrown).toMatchObject({ code: "GATEWAY_ERR_INVALID_CONFIG" });
    const named = (thrown as GatewayConfigError).issues.map((issue) => issue.split(":")[0]);
    expect(named.sort()).toEqual(["CONNECT_TIMEOUT_MS", "LOG_LEVEL", "PORT", "UPSTREAM"]);
  });

  it("rejects an upstream port out of range", () => {
    expect(() => parseConfig({ UPSTREAM: "shipping:70000" })).toThrow(/UPSTREAM/);
  });
});
