import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet } from "jose";
import type { KitApp } from "../app-types.js";
import { type DevSigningKey, generateDevSigningKey, type TokenClaims } from "./dev-keys.js";
import { SCOPE_NAMES, type Scope } from "./scopes.js";
import { createTokenVerifier, type TokenVerifier } from "./verifier.js";

/** An identity provider for tests: one key pair per test process. */
export interface TestIdentity {
  /** Its public key set in a file: a service's `AUTH_JWKS_FILE`. */
  readonly jwksFile: string;
  /** A verifier of its tokens, for `buildApp`. */
  readonly verifier: TokenVerifier;
  /** A signed token. */
  token(subject: string, scopes: readonly Scope[], claims?: Partial<TokenClaims>): Promise<string>;
  /** `Bearer <token>`, the value of an `Authorization` header. */
  bearer(subject: string, scopes: readonly Scope[]): Promise<string>;
}

/** Every scope: what a test's default caller (staff that may do anything) holds. */
export const ALL_SCOPES: readonly Scope[] = SCOPE_NAMES;

let shared: Promise<TestIdentity> | undefined;

/** The test process's identity provider, made on first use. */
export function testIdentity(): Promise<TestIdentity> {
  shared ??= create();
  return shared;
}

async function create(): Promise<TestIdentity> {
  // Not the demo's key id: a test of production settings (NODE_ENV=production, the
  // kit's default) may trust the test identity, never the demo's key.
  const key: DevSigningKey = await generateDevSigningKey("retail-test-");
  const jwksFile = join(mkdtempSync(join(tmpdir(), "retail-test-keys-")), "jwks.json");
  writeFileSync(jwksFile, JSON.stringify(key.jwks));
  const token = (subject: string, scopes: readonly Scope[], claims: Partial<TokenClaims> = {}) =>
    key.sign({ subject, scopes, ...claims });
  return {
    jwksFile,
    verifier: createTokenVerifier({
      keys: createLocalJWKSet(key.jwks),
      audience: "retail-api",
      issuer: "retail-demo",
    }),
    token,
    bearer: async (subject, scopes) => `Bearer ${await token(subject, scopes)}`,
  };
}

/**
 * Test convenience: every `app.inject({...})` without an `authorization` header gets
 * `authorization` (a staff token, say), so a test about orders is not also about
 * tokens. A test of access control passes its own header (`""` for none).
 */
export function authorizeInjects(app: KitApp, authorization: string): void {
  const inject = app.inject.bind(app) as (...args: unknown[]) => unknown;
  (app as { inject: unknown }).inject = (...args: unknown[]) => {
    const [options] = args;
    if (typeof options !== "object" || options === null || typeof options === "function")
      return inject(...args);
    const given = options as { headers?: Record<string, unknown> };
    const headers = given.headers ?? {};
    if (Object.keys(headers).some((name) => name.toLowerCase() === "authorization"))
      return inject(...args);
    return inject({ ...given, headers: { ...headers, authorization } }, ...args.slice(1));
  };
}
