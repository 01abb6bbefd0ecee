/**
 * The benchmark's stand-in for an identity provider: one key pair per run, in memory.
 * The services it starts get the public key set (`AUTH_JWKS_FILE`), the load it sends
 * carries tokens signed with the private key, as every route requires one.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDevSigningKey } from "@retail/service-kit";
import { orderBody } from "./orders.js";

export interface BenchIdentity {
  /** The public key set: a service's `AUTH_JWKS_FILE`. */
  jwksFile: string;
  /** `Bearer …` of the benchmark's customer (the order body's `customerId`), `orders:write`. */
  customer: string;
  /** `Bearer …` that may seed the benchmark product, `catalog:write`. */
  catalog: string;
}

/** Longer than any run, so no token expires under load. */
const TOKEN_TTL_SECONDS = 24 * 3_600;

let identity: Promise<BenchIdentity> | undefined;

/** The run's identity, made on first use. */
export function benchIdentity(): Promise<BenchIdentity> {
  identity ??= create();
  return identity;
}

async function create(): Promise<BenchIdentity> {
  const key = await generateDevSigningKey();
  const jwksFile = join(await mkdtemp(join(tmpdir(), "retail-bench-keys-")), "jwks.json");
  await writeFile(jwksFile, JSON.stringify(key.jwks));
  const bearer = async (subject: string, scopes: Parameters<typeof key.sign>[0]["scopes"]) =>
    `Bearer ${await key.sign({ subject, scopes, expiresInSeconds: TOKEN_TTL_SECONDS })}`;
  return {
    jwksFile,
    customer: await bearer(orderBody.customerId, ["orders:write"]),
    catalog: await bearer("bench-back-office", ["catalog:write"]),
  };
}
