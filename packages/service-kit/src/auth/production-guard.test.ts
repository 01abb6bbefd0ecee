import { describe, expect, it } from "vitest";
import { baseConfigSchema, loadConfig } from "../config.js";
import { demoSecretIssues } from "./production-guard.js";
import { testIdentity } from "./test-identity.js";

const config = (env: Record<string, string>) => loadConfig(baseConfigSchema, { PORT: "0", ...env });

describe("what production refuses", () => {
  it("names a demo Redis password, the demo signing key and a key set over plain HTTP", async () => {
    const { jwksFile } = await testIdentity();
    const issues = demoSecretIssues(
      config({
        NODE_ENV: "production",
        REDIS_URL: "redis://inventory:demo-inventory-password@redis:6379",
        AUTH_JWKS_FILE: jwksFile,
      }),
    );
    expect(issues.map((issue) => issue.variable)).toEqual(["REDIS_URL", "AUTH_JWKS_FILE"]);
    expect(
      demoSecretIssues(
        config({ NODE_ENV: "production", AUTH_JWKS_URL: "http://idp.example.com/jwks.json" }),
      ).map((issue) => issue.variable),
    ).toEqual(["AUTH_JWKS_URL"]);
    // Messages never carry the secret itself.
    expect(JSON.stringify(issues)).not.toContain("demo-inventory-password");
  });

  it("accepts production's own secrets, and anything outside production", async () => {
    expect(
      demoSecretIssues(
        config({
          NODE_ENV: "production",
          REDIS_URL: "rediss://inventory:Zq8%2Fk3-long-random@redis.internal:6380",
          AUTH_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
        }),
      ),
    ).toEqual([]);
    const { jwksFile } = await testIdentity();
    expect(
      demoSecretIssues(
        config({
          NODE_ENV: "development",
          REDIS_URL: "redis://inventory:demo-inventory-password@redis:6379",
          AUTH_JWKS_FILE: jwksFile,
        }),
      ),
    ).toEqual([]);
  });
});
