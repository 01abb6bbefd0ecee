import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baseConfigSchema, loadConfig } from "../config.js";
import { generateDevSigningKey } from "./dev-keys.js";
import { demoSecretIssues } from "./production-guard.js";
import { testIdentity } from "./test-identity.js";

/** The public key set of a key made as the demo makes its own (`retail keys init`). */
async function demoKeySet(): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), "demo-keys-")), "jwks.json");
  writeFileSync(file, JSON.stringify((await generateDevSigningKey()).jwks));
  return file;
}

const config = (env: Record<string, string>) => loadConfig(baseConfigSchema, { PORT: "0", ...env });

describe("what production refuses", () => {
  it("names a demo Redis password, the demo signing key and a key set over plain HTTP", async () => {
    const jwksFile = await demoKeySet();
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

  it("accepts production's own secrets (the tests' key set among them), and anything outside production", async () => {
    expect(
      demoSecretIssues(
        config({
          NODE_ENV: "production",
          REDIS_URL: "rediss://inventory:Zq8%2Fk3-long-random@redis.internal:6380",
          AUTH_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
        }),
      ),
    ).toEqual([]);
    expect(
      demoSecretIssues(
        config({ NODE_ENV: "production", AUTH_JWKS_FILE: (await testIdentity()).jwksFile }),
      ),
    ).toEqual([]);
    const jwksFile = await demoKeySet();
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
