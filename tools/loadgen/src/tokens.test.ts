import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, generateDevSigningKey } from "@retail/service-kit";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type RecordedRequest,
  STUB_KEYS_DIR,
  startInventoryStub,
  startMonitoringStub,
} from "../test/stub-services.js";
import { parseConfig } from "./config.js";
import { createLoadgen } from "./loadgen.js";
import {
  BACK_OFFICE,
  BACK_OFFICE_SCOPES,
  CLIENT_SCOPES,
  CUSTOMER_SCOPES,
  readSigningKey,
  SigningKeyError,
  TokenIssuer,
} from "./tokens.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const silent = createLogger({ name: "loadgen", level: "silent" });

/** The claims of a `Bearer <jwt>` header, unverified: to read `iat` and `exp`. */
function claimsOf(header: string): { sub: string; iat: number; exp: number } {
  const [, payload = ""] = header.replace(/^Bearer /, "").split(".");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

describe("TokenIssuer", () => {
  it("keeps one token per subject and scopes, and signs a new one once 5/6 of its life has passed", async () => {
    let now = 1_000_000;
    const tokens = new TokenIssuer(await generateDevSigningKey(), {
      ttlSeconds: 600,
      now: () => now,
    });
    const first = await tokens.authorization("till-1", CLIENT_SCOPES);
    expect(first).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(claimsOf(first).exp - claimsOf(first).iat).toBe(600);
    expect(await tokens.authorization("till-1", CLIENT_SCOPES)).toBe(first);
    expect(claimsOf(await tokens.authorization("till-2", CLIENT_SCOPES)).sub).toBe("till-2");
    expect(tokens.size).toBe(2);

    now += 499_000;
    expect(await tokens.authorization("till-1", CLIENT_SCOPES)).toBe(first);
    now += 1_000;
    const renewed = await tokens.authorization("till-1", CLIENT_SCOPES);
    expect(renewed).not.toBe(first);
    expect(claimsOf(renewed).sub).toBe("till-1");
    expect(tokens.size).toBe(2);
  });
});

describe("readSigningKey", () => {
  it("refuses a directory without a key, saying how to create one, and creates nothing", async () => {
    const empty = await mkdtemp(join(tmpdir(), "loadgen-nokey-"));
    const failure = readSigningKey(empty);
    await expect(failure).rejects.toBeInstanceOf(SigningKeyError);
    await expect(failure).rejects.toThrow(
      `no usable signing key at ${empty}/signing-key.jwk.json (ENOENT): create it with "retail keys init --dir ${empty}", or set AUTH_KEYS_DIR`,
    );
    await expect(readSigningKey(empty)).rejects.toMatchObject({ code: "signing_key_unavailable" });
  });
});

describe("the load generator's tokens", () => {
  async function run(env: Record<string, string>) {
    const inventory = await startInventoryStub();
    cleanups.push(() => inventory.close());
    const monitoring = await startMonitoringStub();
    cleanups.push(() => monitoring.close());
    const config = parseConfig({
      LOG_LEVEL: "silent",
      ORDERS_PER_SECOND: "200",
      TILLS: "2",
      WEB_SHOPS: "1",
      MOBILE_APPS: "1",
      HEARTBEAT_INTERVAL_MS: "20",
      TELEMETRY_INTERVAL_MS: "20",
      PRODUCTS_REFRESH_MS: "50",
      LARGE_ORDER_SHARE: "0",
      CANCEL_SHARE: "0.3",
      QUIET_CHANCE: "0",
      SEED: "tokens-test",
      INVENTORY_URL: inventory.url,
      MONITORING_URL: monitoring.url,
      AUTH_KEYS_DIR: STUB_KEYS_DIR,
      ...env,
    });
    const loadgen = createLoadgen(config, { logger: silent });
    cleanups.push(() => loadgen.stop());
    return { loadgen, inventory, monitoring };
  }

  const caller = (request: RecordedRequest) =>
    request.principal ? [request.principal.subject, ...request.principal.scopes] : ["none"];

  it("sends each request with the token of the one it acts for, which the services accept", async () => {
    const { loadgen, inventory, monitoring } = await run({});
    await loadgen.start();
    const posted = (stub: typeof inventory | typeof monitoring, path: RegExp) =>
      stub.requests.filter((request) => request.method === "POST" && path.test(request.path));
    await vi.waitFor(
      () => {
        expect(posted(monitoring, /\/heartbeat$/).length).toBeGreaterThanOrEqual(8);
        expect(posted(monitoring, /^\/telemetry$/).length).toBeGreaterThanOrEqual(4);
        expect(posted(inventory, /^\/orders$/).length).toBeGreaterThanOrEqual(20);
        expect(posted(inventory, /\/cancel$/).length).toBeGreaterThanOrEqual(3);
        expect(posted(inventory, /\/restock$/).length).toBeGreaterThanOrEqual(1);
      },
      { timeout: 20_000, interval: 20 },
    );
    await loadgen.stop();

    const checked = [...inventory.requests, ...monitoring.requests].filter(
      (request) => request.path !== "/health/ready",
    );
    // nothing refused: every route's scope held, every owner matched
    expect(checked.filter((request) => [401, 403, 404].includes(request.status ?? 0))).toEqual([]);
    for (const request of posted(monitoring, /\/heartbeat$/))
      expect(caller(request)).toEqual([request.path.split("/")[2], ...CLIENT_SCOPES]);
    for (const request of posted(monitoring, /^\/telemetry$/))
      expect(caller(request)).toEqual([
        (request.body as { clientId: string }).clientId,
        ...CLIENT_SCOPES,
      ]);
    const customers = new Set<string>();
    for (const request of posted(inventory, /^\/orders$/)) {
      const { customerId } = request.body as { customerId: string };
      customers.add(customerId);
      expect(caller(request)).toEqual([customerId, ...CUSTOMER_SCOPES]);
    }
    expect(customers.size).toBeGreaterThan(1);
    for (const request of posted(inventory, /\/cancel$/)) {
      const orderId = decodeURIComponent(request.path.split("/")[2] ?? "");
      expect(caller(request)).toEqual([inventory.placed.get(orderId), ...CUSTOMER_SCOPES]);
    }
    const backOffice = inventory.requests.filter(
      (request) => request.path === "/products" || request.path.endsWith("/restock"),
    );
    expect(backOffice.length).toBeGreaterThan(1);
    for (const request of backOffice)
      expect(caller(request)).toEqual([BACK_OFFICE, ...BACK_OFFICE_SCOPES]);
  });

  it("does not start without the signing key, and sends nothing", async () => {
    const empty = await mkdtemp(join(tmpdir(), "loadgen-nokey-"));
    const { loadgen, inventory, monitoring } = await run({ AUTH_KEYS_DIR: empty });
    await expect(loadgen.start()).rejects.toBeInstanceOf(SigningKeyError);
    await loadgen.finished;
    expect([...inventory.requests, ...monitoring.requests]).toEqual([]);
  });
});
