import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { DEV_KEY_ID_PREFIX, devSigningKeyIn, JWKS_FILE, SIGNING_KEY_FILE } from "./dev-keys.js";

describe("the demo's signing key in a directory", () => {
  it("is created on first use, private key 0600 and public key set without the private part", async () => {
    const directory = join(mkdtempSync(join(tmpdir(), "dev-keys-")), "keys");
    await devSigningKeyIn(directory);
    expect(statSync(join(directory, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(directory, JWKS_FILE)).mode & 0o777).toBe(0o644);
    const jwks = JSON.parse(readFileSync(join(directory, JWKS_FILE), "utf8"));
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect(jwks.keys[0].kid).toMatch(new RegExp(`^${DEV_KEY_ID_PREFIX}`));
  });

  it("is the same key on every later use, so tokens minted before stay valid", async () => {
    const directory = mkdtempSync(join(tmpdir(), "dev-keys-"));
    const first = await devSigningKeyIn(directory);
    const token = await first.sign({ subject: "c-1", scopes: ["orders:read"] });
    const again = await devSigningKeyIn(directory);
    expect(again.jwks).toEqual(first.jwks);
    const published = JSON.parse(readFileSync(join(directory, JWKS_FILE), "utf8"));
    const { payload } = await jwtVerify(token, createLocalJWKSet(published), {
      audience: "retail-api",
      issuer: "retail-demo",
    });
    expect(payload).toMatchObject({ sub: "c-1", scope: "orders:read" });
  });
});
