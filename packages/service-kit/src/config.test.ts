import { describe, expect, it } from "vitest";
import { z } from "zod";
import { baseConfigSchema, ConfigError, envInt, loadConfig, redactConfig } from "./config.js";

describe("loadConfig", () => {
  it("parses a valid environment and fills in every base default", () => {
    expect(loadConfig(baseConfigSchema, { PORT: "3001" })).toEqual({
      PORT: 3001,
      HOST: "0.0.0.0",
      LOG_LEVEL: "info",
      NODE_ENV: "production",
      REDIS_URL: "redis://localhost:6379",
      SHUTDOWN_TIMEOUT_MS: 10_000,
      BODY_LIMIT_BYTES: 1_048_576,
      CORS_ORIGINS: [],
      AUTH_AUDIENCE: "retail-api",
      AUTH_ISSUER: "retail-demo",
      RATE_LIMIT_MAX: 1_000,
      RATE_LIMIT_WINDOW_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
    });
  });

  it("parses a service's own variables next to the base ones", () => {
    const schema = baseConfigSchema.extend({
      LOW_STOCK_THRESHOLD: envInt({ min: 0 }),
      FEATURE: z.enum(["on", "off"]).default("off"),
    });
    const config = loadConfig(schema, { PORT: "0", LOW_STOCK_THRESHOLD: " 5 " });
    expect(config.LOW_STOCK_THRESHOLD).toBe(5);
    expect(config.FEATURE).toBe("off");
    expect(config.PORT).toBe(0);
  });

  it("accepts a TLS Redis URL with credentials", () => {
    const config = loadConfig(baseConfigSchema, {
      PORT: "1",
      REDIS_URL: "rediss://app:pw@redis:6380/2",
    });
    expect(config.REDIS_URL).toBe("rediss://app:pw@redis:6380/2");
  });

  it("throws a ConfigError naming a missing required variable", () => {
    expect(() => loadConfig(baseConfigSchema, {})).toThrow(ConfigError);
    expect(() => loadConfig(baseConfigSchema, {})).toThrow(/PORT: is required but not set/);
  });

  it("names every invalid variable with the reason, in one error", () => {
    let error: unknown;
    try {
      loadConfig(baseConfigSchema, {
        PORT: "70000",
        LOG_LEVEL: "loud",
        REDIS_URL: "http://example.com",
        SHUTDOWN_TIMEOUT_MS: "",
      });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((issue) => issue.variable).sort()).toEqual([
      "LOG_LEVEL",
      "PORT",
      "REDIS_URL",
      "SHUTDOWN_TIMEOUT_MS",
    ]);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/PORT: .*65535/);
    expect(message).toMatch(/LOG_LEVEL: .*"info"/);
    expect(message).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(message).toMatch(/SHUTDOWN_TIMEOUT_MS: must be an integer/);
  });

  it("reads CORS_ORIGINS as a list of origins, * alone, or none", () => {
    const origins = (value: string) =>
      loadConfig(baseConfigSchema, { PORT: "1", CORS_ORIGINS: value }).CORS_ORIGINS;
    expect(origins("")).toEqual([]);
    expect(
      origins(" http://localhost:3003 , https://Shop.Example.com/,http://localhost:3003"),
    ).toEqual(["http://localhost:3003", "https://shop.example.com"]);
    expect(origins("https://shop.example.com:443")).toEqual(["https://shop.example.com"]);
    expect(origins("*")).toEqual(["*"]);
    expect(origins("http://localhost:3003,*")).toEqual(["*"]);
  });

  it("rejects a CORS_ORIGINS item that is not a bare origin, naming its position", () => {
    for (const bad of [
      "localhost:3003",
      "http://localhost:3003/dashboard",
      "http://localhost:3003?x=1",
      "ftp://files.example.com",
      "http://user:pw@example.com",
    ]) {
      expect(() =>
        loadConfig(baseConfigSchema, { PORT: "1", CORS_ORIGINS: `http://ok.example.com,${bad}` }),
      ).toThrow(/CORS_ORIGINS: item 2 is not an origin/);
    }
  });

  it("reads REDIS_CLUSTER_NODES as host:port seeds, and blank or unset as no cluster", () => {
    const nodes = (value: string | undefined) =>
      loadConfig(baseConfigSchema, { PORT: "1", REDIS_CLUSTER_NODES: value }).REDIS_CLUSTER_NODES;
    expect(nodes(undefined)).toBeUndefined();
    expect(nodes(" , ")).toBeUndefined();
    expect(nodes(" redis-1:6379, 10.0.0.7:7001 ,[::1]:6380,redis-1:6379")).toEqual([
      { host: "redis-1", port: 6379 },
      { host: "10.0.0.7", port: 7001 },
      { host: "::1", port: 6380 },
    ]);
  });

  it("rejects a REDIS_CLUSTER_NODES item that is not host:port, naming the variable and the item's position", () => {
    for (const bad of ["redis-1", "redis-1:0", "redis-1:65536", "redis://redis-1:6379", ":6379"]) {
      expect(() =>
        loadConfig(baseConfigSchema, { PORT: "1", REDIS_CLUSTER_NODES: `redis-0:6379,${bad}` }),
      ).toThrow(/REDIS_CLUSTER_NODES: item 2 is not host:port/);
    }
  });

  it("rejects a blank or fractional number instead of reading it as 0", () => {
    expect(() => loadConfig(baseConfigSchema, { PORT: " " })).toThrow(/PORT: must be an integer/);
    expect(() => loadConfig(baseConfigSchema, { PORT: "80.5" })).toThrow(
      /PORT: must be an integer/,
    );
  });

  it("never puts a variable's value in the error message", () => {
    const schema = baseConfigSchema.extend({ API_TOKEN: z.string().min(40) });
    expect(() =>
      loadConfig(schema, { PORT: "1", REDIS_URL: "ftp://:hunter2@x", API_TOKEN: "tok-123" }),
    ).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/hunter2|tok-123/) }) as Error,
    );
  });
});

describe("redactConfig", () => {
  it("hides secret-looking keys and URL passwords, and keeps everything else", () => {
    const config = {
      PORT: 3001,
      REDIS_URL: "redis://default:hunter2@redis:6379/0",
      DB_PASSWORD: "pw",
      JWT_SECRET: "s3cret",
      GITHUB_TOKEN: "ghp_x",
      STRIPE_API_KEY: "sk_live",
      CACHE_URL: "redis://cache:6379",
      EMPTY_SECRET: "",
      nested: { authToken: "abc", url: "https://user:pw@example.com/path" },
    };
    const redacted = redactConfig(config);
    expect(redacted).toEqual({
      PORT: 3001,
      REDIS_URL: "redis://default:***@redis:6379/0",
      DB_PASSWORD: "[redacted]",
      JWT_SECRET: "[redacted]",
      GITHUB_TOKEN: "[redacted]",
      STRIPE_API_KEY: "[redacted]",
      CACHE_URL: "redis://cache:6379",
      EMPTY_SECRET: "",
      nested: { authToken: "[redacted]", url: "https://user:***@example.com/path" },
    });
    expect(JSON.stringify(redacted)).not.toMatch(/hunter2|pw@|s3cret|ghp_x|sk_live|abc/);
  });

  it("leaves the original config untouched", () => {
    const config = { REDIS_URL: "redis://:pw@host:6379", SESSION_SECRET: "x" };
    redactConfig(config);
    expect(config).toEqual({ REDIS_URL: "redis://:pw@host:6379", SESSION_SECRET: "x" });
  });
});
