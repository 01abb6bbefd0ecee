import { randomUUID } from "node:crypto";
import { generateDevSigningKey } from "@retail/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../src/system.js";
import {
  authorized,
  compose,
  containersOf,
  docker,
  URLS,
  waitForHealthyStack,
  waitUntil,
} from "./stack.js";

const INVENTORY = URLS.inventory;
const MONITORING = URLS["client-monitoring"];
const SKU = "E2E-AUTH";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the services under test, checked by the assertions
type Json = any;

async function http(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Json };
}

/** `retail token …` as the README runs it: the retail CLI's container, with the stack's key. */
const retailToken = (...args: string[]) => compose("run", "--rm", "-T", "retail", "token", ...args);

const bearerOf = (token: string) => ({ authorization: `Bearer ${token}` });

// On the stack global-setup.ts starts, after the saga and chaos tests.
describe("docker compose: every route but /health needs a token, minted as the README says", () => {
  beforeAll(async () => {
    await waitForHealthyStack(180_000);
    const stocked = await http(
      "PUT",
      `${INVENTORY}/products/${SKU}`,
      await authorized("e2e-back-office", ["catalog:write"]),
      { name: SKU, priceCents: 700, available: 100 },
    );
    expect(stocked.status).toBeLessThan(300);
  });

  it("answers 401 on every service to a request without a token or with one of another key, and keeps /health open", async () => {
    const guarded = [
      ["GET", `${INVENTORY}/products`],
      ["POST", `${INVENTORY}/orders`],
      ["GET", `${INVENTORY}/orders/${randomUUID()}`],
      ["GET", `${INVENTORY}/metrics`],
      ["GET", `${URLS.shipping}/shipments?orderId=${randomUUID()}`],
      ["GET", `${MONITORING}/stats`],
      ["GET", `${MONITORING}/clients`],
      ["GET", `${URLS.notifications}/customers/c-1/notifications/kept`],
    ] as const;
    const forger = await generateDevSigningKey();
    const forged = bearerOf(
      await forger.sign({ subject: "mallory", scopes: ["ops:read", "orders:all", "catalog:read"] }),
    );
    for (const [method, url] of guarded) {
      const body = method === "POST" ? orderBody("c-1", SKU) : undefined;
      const anonymous = await http(method, url, {}, body);
      expect([method, url, anonymous.status, anonymous.body?.error?.code]).toEqual([
        method,
        url,
        401,
        "unauthenticated",
      ]);
      const other = await http(method, url, forged, body);
      expect([method, url, other.status, other.body?.error?.code]).toEqual([
        method,
        url,
        401,
        "invalid_token",
      ]);
    }
    for (const base of Object.values(URLS)) {
      expect((await http("GET", `${base}/health/live`)).status, base).toBe(200);
      expect((await http("GET", `${base}/health/ready`)).status, base).toBe(200);
    }
  });

  it("runs the README's calls with the README's tokens: c-1 orders and follows their own order, staff stocks, prices and reads the timeline", async () => {
    // TOKEN=$(docker compose run --rm -T retail token --subject c-1 --scope orders:write --scope orders:read)
    const token = await retailToken(
      "--subject",
      "c-1",
      "--scope",
      "orders:write",
      "--scope",
      "orders:read",
    );
    // STAFF_TOKEN=$(docker compose run --rm -T retail token --staff)
    const staffToken = await retailToken("--staff");
    for (const minted of [token, staffToken]) expect(minted).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const customer = bearerOf(token);
    const staff = bearerOf(staffToken);

    const restocked = await http("POST", `${INVENTORY}/products/${SKU}/restock`, staff, {
      quantity: 10,
    });
    expect(restocked.status).toBe(200);
    const placed = await http("POST", `${INVENTORY}/orders`, customer, orderBody("c-1", SKU));
    expect(placed.status).toBe(201);
    const { orderId } = placed.body;
    expect((await http("GET", `${INVENTORY}/orders/${orderId}`, customer)).body.orderId).toBe(
      orderId,
    );
    await waitUntil(
      "the order's timeline",
      async () =>
        (await http("GET", `${MONITORING}/orders/${orderId}/timeline`, staff)).status === 200,
      30_000,
    );
    const kept = await http(
      "GET",
      `${URLS.notifications}/customers/c-1/notifications/kept`,
      customer,
    );
    expect(kept.status).toBe(200);
    const priced = await http("PUT", `${INVENTORY}/products/${SKU}`, staff, {
      name: SKU,
      priceCents: 1_299,
      available: 200,
    });
    expect(priced.status).toBeLessThan(300);

    // c-1's token is c-1's alone, and only for what its scopes say
    const asSomeoneElse = await http(
      "POST",
      `${INVENTORY}/orders`,
      customer,
      orderBody("c-2", SKU),
    );
    expect(asSomeoneElse.status).toBe(403);
    const stranger = await authorized("c-2", ["orders:write", "orders:read"]);
    expect((await http("GET", `${INVENTORY}/orders/${orderId}`, stranger)).status).toBe(404);
    const timeline = await http("GET", `${MONITORING}/orders/${orderId}/timeline`, customer);
    expect([timeline.status, timeline.body?.error?.code]).toEqual([403, "insufficient_scope"]);
  });

  it("prints the dashboard's URL with a token its calls accept; the page itself needs none", async () => {
    const url = await retailToken("--dashboard");
    const match = /^http:\/\/localhost:3003\/#token=([\w-]+\.[\w-]+\.[\w-]+)$/.exec(url);
    expect(match, url).not.toBeNull();
    const token = bearerOf(match?.[1] ?? "");
    expect((await http("GET", `${MONITORING}/stats`, token)).status).toBe(200);
    expect((await http("GET", `${MONITORING}/clients`, token)).status).toBe(200);
    expect((await http("GET", `${INVENTORY}/products`, token)).status).toBe(200);
    const page = await fetch(`${MONITORING}/`, { signal: AbortSignal.timeout(10_000) });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    await page.body?.cancel();
  });

  it("places orders from the retail CLI's container, each with its customer's token signed with the stack's key", async () => {
    const summary = JSON.parse(
      await compose(
        "run",
        "--rm",
        "-T",
        "retail",
        "orders",
        "place",
        "--count",
        "3",
        "--rate",
        "10",
        "--json",
      ),
    );
    expect(summary.errors).toEqual([]);
    expect(summary.accepted + summary.rejected).toBe(3);
  });

  it("gives the services the public key set alone: the private key is only where tokens are signed", async () => {
    for (const service of ["inventory", "shipping", "client-monitoring", "notifications"]) {
      const [container] = await containersOf(service);
      const files = await docker("exec", container as string, "sh", "-c", "ls -A /jwks /keys");
      expect([service, files]).toEqual([service, "/jwks:\njwks.json\n\n/keys:"]);
    }
    const [loadgen] = await containersOf("loadgen");
    const keys = await docker("exec", loadgen as string, "ls", "-A", "/keys");
    expect(keys.split("\n").sort()).toEqual(["jwks.json", "signing-key.jwk.json"]);
  });
});
