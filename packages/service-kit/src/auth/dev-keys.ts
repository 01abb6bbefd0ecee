import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from "jose";
import type { Scope } from "./scopes.js";

/**
 * A signing key pair standing in for an identity provider, in the demo and in tests:
 * the private key signs tokens (the CLI's `token` command, the load generator, test
 * harnesses); services get only the public key set (`AUTH_JWKS_FILE`). Its key id
 * starts with {@link DEV_KEY_ID_PREFIX}, so production refuses it.
 */
export interface DevSigningKey {
  /** The public key set services verify with. */
  readonly jwks: JSONWebKeySet;
  /** Sign a token for `subject` with `scopes`. */
  sign(claims: TokenClaims): Promise<string>;
}

/** What a minted token says. */
export interface TokenClaims {
  subject: string;
  scopes: readonly Scope[];
  /** Default `retail-api`, the services' default `AUTH_AUDIENCE`. */
  audience?: string;
  /** Default `retail-demo`, the services' default `AUTH_ISSUER`. */
  issuer?: string;
  /** Lifetime in seconds. Default 3600. */
  expiresInSeconds?: number;
}

export const DEV_KEY_ID_PREFIX = "retail-dev-";

const ALGORITHM = "ES256";

/**
 * A fresh key pair in memory. Its key id starts with `kidPrefix`: the demo's
 * ({@link DEV_KEY_ID_PREFIX}, refused in production) unless a test names its own.
 */
export async function generateDevSigningKey(kidPrefix = DEV_KEY_ID_PREFIX): Promise<DevSigningKey> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return devSigningKeyFrom({
    ...jwk,
    kid: `${kidPrefix}${randomBytes(6).toString("hex")}`,
    alg: ALGORITHM,
    use: "sig",
  });
}

/** The private key file in a key directory (mode 0600). */
export const SIGNING_KEY_FILE = "signing-key.jwk.json";
/** The public key set in a key directory: what `AUTH_JWKS_FILE` names. */
export const JWKS_FILE = "jwks.json";

/**
 * The key pair in `directory`, created there on first use: the demo's "identity
 * provider". Idempotent, so every start of the demo keeps the tokens minted before.
 */
export async function devSigningKeyIn(directory: string): Promise<DevSigningKey> {
  const keyFile = join(directory, SIGNING_KEY_FILE);
  const existing = await readFile(keyFile, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (existing !== undefined) return devSigningKeyFrom(JSON.parse(existing) as JWK);
  const key = await generateDevSigningKey();
  await mkdir(directory, { recursive: true });
  const privateJwk = await (key as DevSigningKeyWithPrivate).privateJwk;
  await writeAtomically(keyFile, JSON.stringify(privateJwk), 0o600);
  await writeAtomically(join(directory, JWKS_FILE), JSON.stringify(key.jwks), 0o644);
  return key;
}

/** The key pair of a private JWK (with `kid`). */
export async function devSigningKeyFrom(privateJwk: JWK): Promise<DevSigningKey> {
  const { d: _private, ...publicJwk } = privateJwk;
  const signingKey = await importJWK(privateJwk, ALGORITHM);
  const key: DevSigningKeyWithPrivate = {
    jwks: { keys: [publicJwk] },
    privateJwk: Promise.resolve(privateJwk),
    sign: (claims) =>
      new SignJWT({ scope: claims.scopes.join(" ") })
        .setProtectedHeader({ alg: ALGORITHM, kid: privateJwk.kid ?? "" })
        .setSubject(claims.subject)
        .setAudience(claims.audience ?? "retail-api")
        .setIssuer(claims.issuer ?? "retail-demo")
        .setIssuedAt()
        .setExpirationTime(`${claims.expiresInSeconds ?? 3600}s`)
        .sign(signingKey),
  };
  return key;
}

interface DevSigningKeyWithPrivate extends DevSigningKey {
  readonly privateJwk: Promise<JWK>;
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, text, { mode });
  await chmod(temporary, mode);
  await rename(temporary, file);
}
