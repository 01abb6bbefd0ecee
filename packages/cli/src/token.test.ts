import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DASHBOARD_SCOPES,
  devSigningKeyIn,
  SCOPE_NAMES,
  tokenVerifierFromConfig,
} from "@retail/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { retail } from "../test/helpers.js";
import { parseTtl, type TokenResult } from "./token.js";

/** The claims of a JWT, unverified: to read `iat` and `exp`. */
function claimsOf(token: string): { iat: number; exp: number; sub: string; scope: string } {
  const [, payload = ""] = token.split(".");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

describe("retail token", () => {
  let keys: string;
  let verify: ReturnType<typeof tokenVerifierFromConfig>;

  beforeAll(async () => {
    keys = await mkdtemp(join(tmpdir(), "retail-cli-token-"));
    await devSigningKeyIn(keys);
    // what a service does with AUTH_JWKS_FILE
    verify = tokenVerifierFromConfig({
      AUTH_JWKS_FILE: join(keys, "jwks.json"),
      AUTH_AUDIENCE: "retail-api",
      AUTH_ISSUER: "retail-demo",
    });
  });

  const token = (args: readonly string[]) =>
    retail(["token", ...args], { env: { AUTH_KEYS_DIR: keys } });

  it("prints only a token the services accept, for the subject and scopes asked, valid for an hour", async () => {
    const run = await token([
      "--subject",
      "c-1",
      "--scope",
      "orders:write",
      "--scope",
      "orders:read",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const principal = await verify(run.stdout.trim());
    expect(principal.subject).toBe("c-1");
    expect([...principal.scopes]).toEqual(["orders:write", "orders:read"]);
    const { iat, exp } = claimsOf(run.stdout.trim());
    expect(exp - iat).toBe(3_600);
  });

  it("lives as long as --ttl says", async () => {
    const run = await token(["--subject", "till-1", "--scope", "clients:report", "--ttl", "5m"]);
    const { iat, exp } = claimsOf(run.stdout.trim());
    expect(exp - iat).toBe(300);
  });

  it("grants every scope with --staff, as subject staff unless --subject names another", async () => {
    const staff = await token(["--staff", "--json"]);
    const result = JSON.parse(staff.stdout) as TokenResult;
    expect(result).toMatchObject({ subject: "staff", scopes: SCOPE_NAMES });
    expect([...(await verify(result.token)).scopes]).toEqual(SCOPE_NAMES);
    const named = JSON.parse((await token(["--staff", "--subject", "erika", "--json"])).stdout);
    expect(named.subject).toBe("erika");
  });

  it("prints the dashboard's URL with the token in its fragment, with the dashboard's scopes", async () => {
    const run = await token(["--dashboard"]);
    expect(run.code, run.stderr).toBe(0);
    const match = /^http:\/\/localhost:3003\/#token=(\S+)\n$/.exec(run.stdout);
    expect(match).not.toBeNull();
    const principal = await verify(match?.[1] ?? "");
    expect(principal.subject).toBe("dashboard");
    expect([...principal.scopes].sort()).toEqual([...DASHBOARD_SCOPES].sort());
    expect(DASHBOARD_SCOPES).toEqual(
      expect.arrayContaining([
        "ops:read",
        "pii:read",
        "clients:admin",
        "orders:all",
        "catalog:read",
      ]),
    );

    const elsewhere = await token(["--dashboard", "--dashboard-url", "http://demo.example:8080"]);
    expect(elsewhere.stdout).toMatch(/^http:\/\/demo\.example:8080\/#token=\S+\n$/);
  });

  it("adds the scopes of --scope to a preset's", async () => {
    const result = JSON.parse(
      (await token(["--dashboard", "--scope", "shipping:operate", "--json"])).stdout,
    ) as TokenResult;
    expect(result.scopes).toEqual(expect.arrayContaining(["shipping:operate", "ops:read"]));
    expect(result.url).toBe(`http://localhost:3003/#token=${result.token}`);
  });

  it("refuses an unknown scope, no scope, no subject and a bad --ttl with exit code 2", async () => {
    const unknown = await token(["--subject", "c-1", "--scope", "orders:delete"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      `error: unknown scope "orders:delete"; the scopes are: ${SCOPE_NAMES.join(", ")}\n`,
    );
    const none = await token(["--subject", "c-1"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: give at least one --scope/);
    const nobody = await token(["--scope", "orders:read"]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/^error: --subject is required/);
    const forever = await token(["--subject", "c-1", "--scope", "orders:read", "--ttl", "30d"]);
    expect(forever.code).toBe(2);
    expect(forever.stderr).toMatch(/^error: --ttl must be a duration from 1s to 7d/);
    for (const run of [unknown, none, nobody, forever]) expect(run.stdout).toBe("");
  });

  it("says how to create the key when the directory has none (exit code 1), and creates nothing", async () => {
    const empty = await mkdtemp(join(tmpdir(), "retail-cli-nokey-"));
    const run = await retail([
      "token",
      "--subject",
      "c-1",
      "--scope",
      "orders:read",
      "--keys",
      empty,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: no signing key in ${empty}: create one with "retail keys init --dir ${empty}" (compose's auth-keys service does on "docker compose up"), or point --keys / AUTH_KEYS_DIR at it\n`,
    );
    expect(run.stdout).toBe("");
  });

  it("reads durations in seconds, minutes, hours and days", () => {
    expect(parseTtl("3600")).toBe(3_600);
    expect(parseTtl("90s")).toBe(90);
    expect(parseTtl("30m")).toBe(1_800);
    expect(parseTtl("1h")).toBe(3_600);
    expect(parseTtl("7d")).toBe(604_800);
    for (const bad of ["0", "1w", "-5", "1.5h", "", "8d"])
      expect(() => parseTtl(bad), bad).toThrow();
  });
});
