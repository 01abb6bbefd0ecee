import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { devSigningKeyIn, type Principal, tokenVerifierFromConfig } from "@retail/service-kit";
import { freePort } from "@retail/testing";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { CliIo } from "../src/io.js";
import { retail as retailCli, startRetail as startRetailCli } from "../test/helpers.js";
import { buildOrder, CATALOG_READER, type PlaceSummary, percentile } from "./orders.js";

/** The demo's key directory for these tests: the CLI signs with it, the fake verifies. */
const KEYS = mkdtempSync(join(tmpdir(), "retail-cli-orders-"));
await devSigningKeyIn(KEYS);
const verify = tokenVerifierFromConfig({
  AUTH_JWKS_FILE: join(KEYS, "jwks.json"),
  AUTH_AUDIENCE: "retail-api",
  AUTH_ISSUER: "retail-demo",
});
const withKeys = (overrides: Partial<CliIo>): Partial<CliIo> => ({
  ...overrides,
  env: { AUTH_KEYS_DIR: KEYS, ...overrides.env },
});
const retail = (args: readonly string[], overrides: Partial<CliIo> = {}) =>
  retailCli(args, withKeys(overrides));
const startRetail = (args: readonly string[], overrides: Partial<CliIo> = {}) =>
  startRetailCli(args, withKeys(overrides));

/** The request's verified principal, or undefined without a valid bearer token. */
async function principalOf(request: IncomingMessage): Promise<Principal | undefined> {
  const [scheme, token] = (request.headers.authorization ?? "").split(" ");
  if (scheme !== "Bearer" || !token) return undefined;
  return verify(token).catch(() => undefined);
}

/** What inventory's POST /orders accepts (services/inventory/README.md). */
const orderSchema = z.object({
  customerId: z.string().min(1).max(200),
  lines: z
    .array(
      z.object({
        sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
        quantity: z.number().int().min(1).max(1_000_000),
      }),
    )
    .min(1)
    .max(100)
    .refine(
      (lines) => new Set(lines.map((line) => line.sku)).size === lines.length,
      "a SKU on one line only",
    ),
  shippingAddress: z.object({
    name: z.string().min(1),
    line1: z.string().min(1),
    city: z.string().min(1),
    postalCode: z.string().min(1),
    country: z.string().regex(/^[A-Z]{2}$/),
  }),
});

interface FakeInventory {
  url: string;
  server: Server;
  /** Responses by `status code` (`201`, `409 out_of_stock`, ...). */
  answered: Map<string, number>;
  /** `subject scope…` of every request's token, `none` without one. */
  callers: string[];
  skus: Set<string>;
  idempotencyKeys: Set<string>;
}

/**
 * Imitates inventory's HTTP API: `GET /products` (catalog:read) lists the products;
 * `POST /orders` (orders:write, the body's customer being the token's subject) checks
 * the body and answers 201, or 409 out_of_stock for SOLD-OUT, 422 unknown_sku for NOPE,
 * 409 price_changed for BUSY, 400 for an invalid body. Without a valid token: 401.
 */
async function fakeInventory(products: readonly string[]): Promise<FakeInventory> {
  const fake: Omit<FakeInventory, "url" | "server"> = {
    answered: new Map(),
    callers: [],
    skus: new Set(),
    idempotencyKeys: new Set(),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const principal = await principalOf(request);
      fake.callers.push(principal ? [principal.subject, ...principal.scopes].join(" ") : "none");
      const send = (status: number, body: unknown, code = "") => {
        const outcome = `${status}${code ? ` ${code}` : ""}`;
        fake.answered.set(outcome, (fake.answered.get(outcome) ?? 0) + 1);
        response
          .writeHead(status, { "content-type": "application/json" })
          .end(JSON.stringify(body));
      };
      const error = (status: number, code: string) =>
        send(status, { error: { code, message: code, details: {} } }, code);
      if (!principal) return error(401, "unauthenticated");
      if (request.method === "GET" && request.url?.startsWith("/products")) {
        if (!principal.has("catalog:read")) return error(403, "insufficient_scope");
        response
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify(products.map((sku) => ({ sku, name: sku, available: 5 }))));
        return;
      }
      if (request.method !== "POST" || request.url !== "/orders") return error(404, "not_found");
      const key = request.headers["idempotency-key"];
      if (typeof key === "string") fake.idempotencyKeys.add(key);
      const parsed = orderSchema.safeParse(
        JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"),
      );
      if (!parsed.success) return error(400, "validation_failed");
      if (!principal.has("orders:write")) return error(403, "insufficient_scope");
      if (!principal.actsFor(parsed.data.customerId, "orders:all"))
        return error(403, "customer_mismatch");
      const skus = parsed.data.lines.map((line) => line.sku);
      for (const sku of skus) fake.skus.add(sku);
      if (skus.includes("NOPE")) return error(422, "unknown_sku");
      if (skus.includes("SOLD-OUT")) return error(409, "out_of_stock");
      if (skus.includes("BUSY")) return error(409, "price_changed");
      send(201, { orderId: randomUUID(), status: "reserved" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { ...fake, url: `http://127.0.0.1:${port}`, server };
}

describe("retail orders place", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  async function inventory(products: readonly string[] = ["A", "B", "C"]) {
    const fake = await fakeInventory(products);
    servers.push(fake.server);
    return fake;
  }

  it("places valid orders and counts them as accepted", async () => {
    const fake = await inventory();
    const run = await retail([
      "orders",
      "place",
      "--count",
      "8",
      "--rate",
      "1000",
      "--sku",
      "A",
      "B",
      "--inventory",
      fake.url,
      "--json",
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as PlaceSummary;
    expect(summary).toMatchObject({
      requested: 8,
      sent: 8,
      accepted: 8,
      rejected: 0,
      errors: [],
      interrupted: false,
    });
    expect(summary.latencyMs).not.toBeNull();
    expect(summary.latencyMs?.p50).toBeLessThanOrEqual(summary.latencyMs?.p99 ?? 0);
    expect(summary.latencyMs?.p99).toBeLessThanOrEqual(summary.latencyMs?.max ?? 0);
    expect(fake.answered).toEqual(new Map([["201", 8]]));
    expect(fake.idempotencyKeys.size).toBe(8);
    expect([...fake.skus].sort()).toEqual(["A", "B"]);
  });

  it("counts accepted, rejected (409 out_of_stock) and other errors by status and code", async () => {
    const fake = await inventory();
    const run = await retail([
      "orders",
      "place",
      "--count",
      "40",
      "--rate",
      "1000",
      "--lines",
      "1",
      "--sku",
      "A",
      "SOLD-OUT",
      "NOPE",
      "BUSY",
      "--inventory",
      fake.url,
      "--json",
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as PlaceSummary;
    expect(summary.accepted).toBe(fake.answered.get("201") ?? 0);
    expect(summary.rejected).toBe(fake.answered.get("409 out_of_stock") ?? 0);
    const errors = new Map(
      summary.errors.map((error) => [`${error.status} ${error.code}`, error.count]),
    );
    expect(errors.get("422 unknown_sku") ?? 0).toBe(fake.answered.get("422 unknown_sku") ?? 0);
    expect(errors.get("409 price_changed") ?? 0).toBe(fake.answered.get("409 price_changed") ?? 0);
    expect(fake.answered.get("400 validation_failed")).toBeUndefined();
    expect(
      summary.accepted +
        summary.rejected +
        [...errors.values()].reduce((sum, count) => sum + count, 0),
    ).toBe(40);
  });

  it("orders the products inventory lists when no SKU is given, and prints a summary", async () => {
    const fake = await inventory(["MUG-CERAMIC-350", "SOLD-OUT"]);
    const run = await retail(
      ["orders", "place", "--count", "6", "--rate", "1000", "--lines", "1"],
      {
        env: { INVENTORY_URL: fake.url },
      },
    );
    expect(run.code).toBe(0);
    expect([...fake.skus].every((sku) => ["MUG-CERAMIC-350", "SOLD-OUT"].includes(sku))).toBe(true);
    const accepted = fake.answered.get("201") ?? 0;
    const rejected = fake.answered.get("409 out_of_stock") ?? 0;
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(`^placed 6 orders on ${fake.url} in \\S+ \\(\\d+\\.\\d/s\\)$`),
    );
    expect(lines[1]).toMatch(new RegExp(`^  accepted\\s+${accepted}  201$`));
    expect(lines[2]).toMatch(new RegExp(`^  rejected\\s+${rejected}  409 out_of_stock$`));
    expect(lines[3]).toMatch(/^ {2}errors\s+0$/);
    expect(lines[4]).toMatch(/^ {2}latency {3}p50 \S+ {2}p99 \S+ {2}max \S+$/);
  });

  it("draws a progress bar on a terminal, and none with --json", async () => {
    const fake = await inventory();
    let drawn = "";
    const terminal = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          drawn += String(chunk);
          done();
        },
      }),
      { isTTY: true, columns: 120 },
    );
    const run = await retail(
      ["orders", "place", "--count", "5", "--rate", "1000", "--inventory", fake.url],
      {
        progressStream: terminal,
      },
    );
    expect(run.code).toBe(0);
    expect(drawn).toContain("5/5 | 5 accepted, 0 rejected, 0 errors");

    drawn = "";
    await retail(
      ["orders", "place", "--count", "2", "--rate", "1000", "--inventory", fake.url, "--json"],
      {
        progressStream: terminal,
      },
    );
    expect(drawn).toBe("");
  });

  it("stops sending on Ctrl-C, waits for the orders in flight and reports them (exit 130)", async () => {
    const fake = await inventory();
    const run = startRetail([
      "orders",
      "place",
      "--count",
      "1000",
      "--rate",
      "2",
      "--inventory",
      fake.url,
      "--json",
    ]);
    await vi.waitFor(() => expect(fake.answered.get("201")).toBe(1));
    run.interrupt();
    expect(await run.exit).toBe(130);
    const summary = JSON.parse(run.stdout()) as PlaceSummary;
    expect(summary.interrupted).toBe(true);
    expect(summary.sent).toBeLessThan(1000);
    expect(summary.accepted).toBe(fake.answered.get("201"));
    expect(run.stderr()).toContain(`interrupted: ${summary.sent} of 1000 orders sent`);
  });

  it("exits with code 6 when inventory cannot be reached", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const listing = await retail(["orders", "place", "--inventory", url]);
    expect(listing.code).toBe(6);
    expect(listing.stderr).toBe(
      `error: cannot reach inventory at ${url}: ECONNREFUSED. Is it running (docker compose up)? Point the CLI elsewhere with --inventory <url> or INVENTORY_URL.\n`,
    );

    const placing = await retail([
      "orders",
      "place",
      "--count",
      "3",
      "--rate",
      "1000",
      "--sku",
      "A",
      "--inventory",
      url,
    ]);
    expect(placing.code).toBe(6);
    expect(placing.stdout).toMatch(/errors\s+3 {2}no response ECONNREFUSED ×3/);
    expect(placing.stderr).toContain(`cannot reach inventory at ${url}: ECONNREFUSED`);
  });

  it("refuses bad options (exit 2)", async () => {
    for (const args of [
      ["--count", "0"],
      ["--count", "1.5"],
      ["--rate", "fast"],
      ["--inventory", "ftp://x"],
    ]) {
      const run = await retail(["orders", "place", ...args]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/^error: /);
    }
  });
});

describe("retail orders place: tokens", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  async function inventory() {
    const fake = await fakeInventory(["A", "B"]);
    servers.push(fake.server);
    return fake;
  }

  it("reads the catalog as the CLI and places each order with a token of its own customer", async () => {
    const fake = await inventory();
    const run = await retail(
      ["orders", "place", "--count", "12", "--rate", "1000", "--lines", "1"],
      {
        env: { INVENTORY_URL: fake.url },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(fake.answered).toEqual(new Map([["201", 12]]));
    const [catalogRead, ...orders] = fake.callers;
    expect(catalogRead).toBe(`${CATALOG_READER} catalog:read`);
    expect(orders).toHaveLength(12);
    for (const caller of orders) expect(caller).toMatch(/^customer-\d+ orders:write$/);
  });

  it("sends --token (or RETAIL_TOKEN) as it is, without needing the signing key", async () => {
    const fake = await inventory();
    const staff = await retailCli(["token", "--staff", "--subject", "ops-1"], {
      env: { AUTH_KEYS_DIR: KEYS },
    });
    const args = ["orders", "place", "--count", "3", "--rate", "1000", "--inventory", fake.url];
    const noKeys = { env: { AUTH_KEYS_DIR: join(KEYS, "missing") } };
    const given = await retailCli([...args, "--token", staff.stdout.trim()], noKeys);
    expect(given.code, given.stderr).toBe(0);
    const fromEnv = await retailCli(args, {
      env: { ...noKeys.env, RETAIL_TOKEN: staff.stdout.trim() },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(new Set(fake.callers.map((caller) => caller.split(" ")[0]))).toEqual(new Set(["ops-1"]));
    expect(fake.answered).toEqual(new Map([["201", 6]]));
  });

  it("counts the services' refusal of a token that is not good enough as errors", async () => {
    const fake = await inventory();
    const reader = await retailCli(["token", "--subject", "c-9", "--scope", "catalog:read"], {
      env: { AUTH_KEYS_DIR: KEYS },
    });
    const run = await retailCli(
      ["orders", "place", "--count", "2", "--rate", "1000", "--inventory", fake.url, "--json"],
      { env: { RETAIL_TOKEN: reader.stdout.trim() } },
    );
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as PlaceSummary).errors).toEqual([
      { status: 403, code: "insufficient_scope", count: 2 },
    ]);
  });

  it("says how to get a key or a token when it has neither (exit code 1)", async () => {
    const fake = await inventory();
    const missing = join(KEYS, "missing");
    const run = await retailCli(["orders", "place", "--inventory", fake.url, "--keys", missing]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: no signing key in ${missing}: create one with`);
    expect(fake.callers).toEqual([]);
  });
});

describe("order bodies and percentiles", () => {
  it("builds orders with 1..n distinct SKUs and 1..q units per line", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,8}$/), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 9 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
        (skus, maxLines, maxQuantity, randoms) => {
          const order = buildOrder(skus, maxLines, maxQuantity, () => randoms.next().value);
          expect(orderSchema.safeParse(order).success).toBe(true);
          expect(order.lines.length).toBeLessThanOrEqual(Math.min(maxLines, skus.length));
          for (const line of order.lines) {
            expect(skus).toContain(line.sku);
            expect(line.quantity).toBeLessThanOrEqual(maxQuantity);
          }
        },
      ),
    );
  });

  it("takes percentiles by nearest rank: a value of the set, p50 ≤ p99 ≤ max", () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    fc.assert(
      fc.property(fc.array(fc.nat(10_000), { minLength: 1, maxLength: 200 }), (values) => {
        const sorted = [...values].sort((left, right) => left - right);
        const p50 = percentile(sorted, 50);
        const p99 = percentile(sorted, 99);
        expect(values).toContain(p50);
        expect(p50).toBeLessThanOrEqual(p99);
        expect(p99).toBeLessThanOrEqual(sorted.at(-1) ?? 0);
      }),
    );
  });
});
