import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../config.js";
import { generateDevSigningKey } from "./dev-keys.js";
import type { Scope } from "./scopes.js";
import { createTokenVerifier, tokenVerifierFromConfig } from "./verifier.js";

const CLAIMS = { AUTH_AUDIENCE: "retail-api", AUTH_ISSUER: "retail-demo" };

function fileWith(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "verifier-")), "jwks.json");
  writeFileSync(file, content);
  return file;
}

describe("tokenVerifierFromConfig", () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it("verifies tokens against AUTH_JWKS_FILE and reads the scope claim, ignoring scopes it does not know", async () => {
    const key = await generateDevSigningKey();
    const verify = tokenVerifierFromConfig({
      ...CLAIMS,
      AUTH_JWKS_FILE: fileWith(JSON.stringify(key.jwks)),
    });
    const scopes = ["clients:report", "root:everything"] as Scope[];
    const principal = await verify(await key.sign({ subject: "till-1", scopes }));
    expect(principal.subject).toBe("till-1");
    expect([...principal.scopes]).toEqual(["clients:report"]);
  });

  it("verifies tokens against the key set at AUTH_JWKS_URL, as with an identity provider", async () => {
    const key = await generateDevSigningKey();
    const server = createServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(key.jwks));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const verify = tokenVerifierFromConfig({
      ...CLAIMS,
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    });
    const principal = await verify(await key.sign({ subject: "c-1", scopes: ["orders:read"] }));
    expect(principal.has("orders:read")).toBe(true);
  });

  it("refuses an unsigned token and one signed with a shared secret", async () => {
    const key = await generateDevSigningKey();
    const verify = tokenVerifierFromConfig({
      ...CLAIMS,
      AUTH_JWKS_FILE: fileWith(JSON.stringify(key.jwks)),
    });
    const claims = { sub: "c-1", aud: "retail-api", iss: "retail-demo", scope: "orders:all" };
    const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const exp = Math.floor(Date.now() / 1000) + 60;
    const unsigned = `${base64({ alg: "none" })}.${base64({ ...claims, exp })}.`;
    await expect(verify(unsigned)).rejects.toThrow();
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: key.jwks.keys[0]?.kid ?? "" })
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode("a-secret-anybody-could-guess-0123456789"));
    await expect(verify(hmac)).rejects.toThrow();
  });

  it("refuses to start without a key set, with both sources, with a file holding no keys or a private key", async () => {
    const key = await generateDevSigningKey();
    const file = fileWith(JSON.stringify(key.jwks));
    const privateKey = { keys: [{ ...key.jwks.keys[0], d: "secret" }] };
    const configs = [
      {},
      { AUTH_JWKS_FILE: file, AUTH_JWKS_URL: "https://idp.example.com/jwks.json" },
      { AUTH_JWKS_FILE: join(tmpdir(), "no-such-dir", "jwks.json") },
      { AUTH_JWKS_FILE: fileWith("{}") },
      { AUTH_JWKS_FILE: fileWith("not json") },
      { AUTH_JWKS_FILE: fileWith(JSON.stringify(privateKey)) },
    ];
    for (const config of configs) {
      expect(() => tokenVerifierFromConfig({ ...CLAIMS, ...config })).toThrow(ConfigError);
    }
  });

  it("checks a token's signature once, and answers from memory only until the token expires", async () => {
    const key = await generateDevSigningKey();
    const local = createLocalJWKSet(key.jwks);
    let lookups = 0;
    const verify = createTokenVerifier({
      keys: (header, token) => {
        lookups += 1;
        return local(header, token);
      },
      audience: "retail-api",
      issuer: "retail-demo",
    });
    const token = await key.sign({ subject: "c-1", scopes: ["orders:read"], expiresInSeconds: 60 });
    expect((await verify(token)).subject).toBe("c-1");
    expect((await verify(token)).subject).toBe("c-1");
    expect(lookups).toBe(1);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 120_000);
      await expect(verify(token)).rejects.toThrow();
      expect(lookups).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
