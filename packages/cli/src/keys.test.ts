import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tokenVerifierFromConfig } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { retail } from "../test/helpers.js";
import type { KeysInitResult } from "./keys.js";

const temporaryDir = () => mkdtemp(join(tmpdir(), "retail-cli-keys-"));

/** A verifier of the services' kind, reading the public key set a service would get. */
const verifierOf = (jwksFile: string) =>
  tokenVerifierFromConfig({
    AUTH_JWKS_FILE: jwksFile,
    AUTH_AUDIENCE: "retail-api",
    AUTH_ISSUER: "retail-demo",
  });

describe("retail keys init", () => {
  it("creates the key pair once: the private key readable by its owner only, the public key set by all", async () => {
    const dir = join(await temporaryDir(), "keys");
    const first = await retail(["keys", "init", "--dir", dir, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const created = JSON.parse(first.stdout) as KeysInitResult;
    expect(created).toEqual({
      keyId: expect.stringMatching(/^retail-dev-/),
      created: true,
      signingKeyFile: join(dir, "signing-key.jwk.json"),
      jwksFiles: [join(dir, "jwks.json")],
    });
    expect((await stat(created.signingKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "jwks.json"))).mode & 0o777).toBe(0o644);

    const again = await retail(["keys", "init", "--dir", dir, "--json"]);
    expect(JSON.parse(again.stdout)).toEqual({ ...created, created: false });
  });

  it("writes the public key set alone to --jwks-dir, and tokens signed with the key verify against it", async () => {
    const root = await temporaryDir();
    const keys = join(root, "keys");
    const jwks = join(root, "jwks");
    const run = await retail(["keys", "init", "--dir", keys, "--jwks-dir", jwks]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^created signing key retail-dev-\S+ in /);
    expect(run.stdout).toContain(
      `public key set for the services (AUTH_JWKS_FILE): ${keys}/jwks.json, ${jwks}/jwks.json`,
    );

    expect(await readdir(jwks)).toEqual(["jwks.json"]);
    const published = JSON.parse(await readFile(join(jwks, "jwks.json"), "utf8"));
    expect(published.keys).toHaveLength(1);
    expect(published.keys[0]).not.toHaveProperty("d");

    const minted = await retail([
      "token",
      "--keys",
      keys,
      "--subject",
      "c-1",
      "--scope",
      "orders:read",
    ]);
    const principal = await verifierOf(join(jwks, "jwks.json"))(minted.stdout.trim());
    expect(principal.subject).toBe("c-1");
  });

  it("reads the directory from AUTH_KEYS_DIR when --dir is not given", async () => {
    const dir = await temporaryDir();
    const run = await retail(["keys", "init"], { env: { AUTH_KEYS_DIR: dir } });
    expect(run.code, run.stderr).toBe(0);
    expect(await readdir(dir)).toEqual(
      expect.arrayContaining(["signing-key.jwk.json", "jwks.json"]),
    );
  });

  it("fails with exit code 1 and the reason when the directory cannot be written", async () => {
    const file = join(await temporaryDir(), "not-a-directory");
    await writeFile(file, "");
    const run = await retail(["keys", "init", "--dir", join(file, "keys")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: cannot create the key pair in .*not-a-directory\/keys: (ENOTDIR|EEXIST)\n$/,
    );
  });
});
