import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type DevSigningKey,
  devSigningKeyFrom,
  type Scope,
  SIGNING_KEY_FILE,
} from "@retail/service-kit";

/** What a simulated client app may do: report about itself. */
export const CLIENT_SCOPES: readonly Scope[] = ["clients:report"];
/** What a shopper's app may do: place, cancel and follow their own orders. */
export const CUSTOMER_SCOPES: readonly Scope[] = ["orders:write", "orders:read"];
/** The back office that reads the catalog and restocks low SKUs. */
export const BACK_OFFICE = "loadgen-back-office";
export const BACK_OFFICE_SCOPES: readonly Scope[] = ["catalog:read", "catalog:write"];

/** The key is missing or unreadable: the load generator cannot sign in as anyone. */
export class SigningKeyError extends Error {
  readonly code = "signing_key_unavailable";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SigningKeyError";
  }
}

/**
 * The demo key in `directory` (compose's `auth-keys` volume). Never creates one: the
 * services would not know it, and every request would be refused.
 *
 * @throws {SigningKeyError} when the directory holds no usable key
 */
export async function readSigningKey(directory: string): Promise<DevSigningKey> {
  const file = join(directory, SIGNING_KEY_FILE);
  try {
    return await devSigningKeyFrom(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SigningKeyError(
      `no usable signing key at ${file} (${reason}): create it with "retail keys init --dir ${directory}", or set AUTH_KEYS_DIR`,
      { cause: error },
    );
  }
}

export interface TokenIssuerOptions {
  /** Lifetime of each token. */
  ttlSeconds: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * Bearer tokens for the simulated apps, one per subject (client app, customer, back
 * office), each re-signed once 5/6 of its lifetime has passed, so no request goes out
 * with an expired one. The load generator plays the identity provider here; in
 * production each app gets its token from one.
 */
export class TokenIssuer {
  readonly #key: DevSigningKey;
  readonly #ttlSeconds: number;
  readonly #now: () => number;
  readonly #tokens = new Map<string, { header: Promise<string>; renewAt: number }>();

  constructor(key: DevSigningKey, options: TokenIssuerOptions) {
    this.#key = key;
    this.#ttlSeconds = options.ttlSeconds;
    this.#now = options.now ?? Date.now;
  }

  /** Subjects holding a token: the cache is bounded by the simulated population. */
  get size(): number {
    return this.#tokens.size;
  }

  /** `Bearer <token>` for `subject` with `scopes`. */
  authorization(subject: string, scopes: readonly Scope[]): Promise<string> {
    const cacheKey = `${subject}\n${scopes.join(" ")}`;
    const now = this.#now();
    const cached = this.#tokens.get(cacheKey);
    if (cached && now < cached.renewAt) return cached.header;
    const header = this.#key
      .sign({ subject, scopes, expiresInSeconds: this.#ttlSeconds })
      .then((token) => `Bearer ${token}`);
    this.#tokens.set(cacheKey, { header, renewAt: now + (this.#ttlSeconds * 1_000 * 5) / 6 });
    // a failed signature is not kept: the next request tries again
    header.catch(() => {
      if (this.#tokens.get(cacheKey)?.header === header) this.#tokens.delete(cacheKey);
    });
    return header;
  }
}
