import { readFileSync } from "node:fs";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { ConfigError } from "../config.js";
import { type Principal, principal } from "./principal.js";

/** Turns a bearer token into the principal it names; rejects a token it cannot trust. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * Only asymmetric signatures: a service holds public keys alone, so a service (or its
 * leaked image) can never mint a token. `alg: none` and HMAC are refused.
 */
export const TOKEN_ALGORITHMS = ["ES256", "ES384", "EdDSA", "RS256", "PS256"] as const;

/** Where the verification keys come from and what a token must say. */
export interface TokenVerifierOptions {
  /** The key set: `createRemoteJWKSet(url)` in production, a local set in the demo and tests. */
  keys: JWTVerifyGetKey;
  /** `aud` a token must carry. */
  audience: string;
  /** `iss` a token must carry. */
  issuer: string;
}

/**
 * Most verified tokens a verifier remembers. A client sends the same token with every
 * request until it expires: checking its signature once saves an ECDSA verification
 * (a large part of a small request's CPU) on every later one.
 */
export const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * A verifier of JWTs signed by a key of the set: signature, `exp` (required), `nbf`,
 * `iss` and `aud` are checked (30 s of clock skew allowed), and `sub` is required. The
 * `scope` claim (space-separated) becomes the principal's scopes. A token verified
 * before is answered from memory until its `exp` (never past it, skew or not); the
 * least recently used of {@link VERIFIED_TOKENS_KEPT} are forgotten first.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const verified = new Map<string, { principal: Principal; expiresAtMs: number }>();
  return async (token) => {
    const known = verified.get(token);
    if (known !== undefined) {
      verified.delete(token);
      if (Date.now() < known.expiresAtMs) {
        verified.set(token, known); // most recently used last
        return known.principal;
      }
    }
    const { payload } = await jwtVerify(token, options.keys, {
      audience: options.audience,
      issuer: options.issuer,
      algorithms: [...TOKEN_ALGORITHMS],
      requiredClaims: ["sub", "exp"],
      clockTolerance: 30,
    });
    const scope = typeof payload.scope === "string" ? payload.scope : "";
    const verifiedPrincipal = principal(payload.sub as string, scope.split(" ").filter(Boolean));
    verified.set(token, { principal: verifiedPrincipal, expiresAtMs: (payload.exp ?? 0) * 1000 });
    if (verified.size > VERIFIED_TOKENS_KEPT) {
      const [oldest] = verified.keys();
      if (oldest !== undefined) verified.delete(oldest);
    }
    return verifiedPrincipal;
  };
}

/** The `AUTH_*` variables of the base configuration. */
export interface AuthConfig {
  AUTH_JWKS_URL?: string | undefined;
  AUTH_JWKS_FILE?: string | undefined;
  AUTH_AUDIENCE: string;
  AUTH_ISSUER: string;
}

/**
 * The verifier the configuration names: the key set at `AUTH_JWKS_URL` (fetched, cached,
 * fetched again for a key id it does not know, so a rotation needs no restart) or the
 * one in `AUTH_JWKS_FILE` (read once). Throws `ConfigError` when neither or both are
 * set, or the file holds no key set.
 */
export function tokenVerifierFromConfig(config: AuthConfig): TokenVerifier {
  const { AUTH_JWKS_URL: url, AUTH_JWKS_FILE: file } = config;
  if ((url === undefined) === (file === undefined))
    throw new ConfigError([
      {
        variable: "AUTH_JWKS_URL",
        problem:
          "set exactly one of AUTH_JWKS_URL (the identity provider's key set) and AUTH_JWKS_FILE",
      },
    ]);
  const keys =
    url !== undefined
      ? createRemoteJWKSet(new URL(url))
      : createLocalJWKSet(readKeySet(file ?? ""));
  return createTokenVerifier({ keys, audience: config.AUTH_AUDIENCE, issuer: config.AUTH_ISSUER });
}

function readKeySet(file: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError([
      {
        variable: "AUTH_JWKS_FILE",
        problem: `cannot read a JSON key set: ${(error as Error).message}`,
      },
    ]);
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new ConfigError([
      { variable: "AUTH_JWKS_FILE", problem: 'holds no keys (a JWKS: {"keys": [...]})' },
    ]);
  if (keys.some((key) => typeof key === "object" && key !== null && "d" in key))
    throw new ConfigError([
      {
        variable: "AUTH_JWKS_FILE",
        problem: "holds a private key; give services the public keys only",
      },
    ]);
  return parsed as JSONWebKeySet;
}
