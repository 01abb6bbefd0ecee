import { afterEach, describe, expect, it } from "vitest";
import { buildSampleApp } from "../test/sample-app.js";
import type { KitApp } from "./app-types.js";

const DASHBOARD = "http://localhost:3003";
const ORDER = {
  customerId: "c1",
  lines: [{ sku: "SKU-1", quantity: 1 }],
};

describe("CORS", () => {
  let app: KitApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function withOrigins(origins?: string): Promise<KitApp> {
    ({ app } = await buildSampleApp(
      origins === undefined ? {} : { env: { CORS_ORIGINS: origins } },
    ));
    return app;
  }

  const preflight = (target: KitApp, origin: string) =>
    target.inject({
      method: "OPTIONS",
      url: "/orders",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,idempotency-key",
      },
    });

  it("lets an allowed origin read answers, error answers included", async () => {
    const target = await withOrigins(`https://shop.example.com, ${DASHBOARD}`);
    const placed = await target.inject({
      method: "POST",
      url: "/orders",
      headers: { origin: DASHBOARD },
      payload: ORDER,
    });
    expect(placed.statusCode).toBe(201);
    expect(placed.headers["access-control-allow-origin"]).toBe(DASHBOARD);
    expect(placed.headers.vary).toMatch(/origin/i);
    expect(placed.headers["access-control-expose-headers"]).toMatch(/x-correlation-id/);
    // so that a page can honour a 503's Retry-After
    expect(placed.headers["access-control-expose-headers"]).toMatch(/retry-after/);

    const refused = await target.inject({
      method: "POST",
      url: "/stock/SKU-1/reserve",
      headers: { origin: DASHBOARD },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.headers["access-control-allow-origin"]).toBe(DASHBOARD);
    expect(refused.json()).toMatchObject({ error: { code: "out_of_stock" } });

    const unknown = await target.inject({ url: "/nowhere", headers: { origin: DASHBOARD } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers["access-control-allow-origin"]).toBe(DASHBOARD);
  });

  it("sends no allow-origin header to an origin that is not listed", async () => {
    const target = await withOrigins(DASHBOARD);
    const response = await target.inject({
      method: "POST",
      url: "/orders",
      headers: { origin: "https://evil.example.com" },
      payload: ORDER,
    });
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    const denied = await preflight(target, "https://evil.example.com");
    expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers a preflight with 204, the methods and the requested headers", async () => {
    const target = await withOrigins(DASHBOARD);
    const response = await preflight(target, DASHBOARD);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe("");
    expect(response.headers["access-control-allow-origin"]).toBe(DASHBOARD);
    expect(response.headers["access-control-allow-methods"]).toMatch(/\bPOST\b/);
    expect(response.headers["access-control-allow-methods"]).toMatch(/\bPUT\b/);
    expect(response.headers["access-control-allow-headers"]).toBe("content-type,idempotency-key");
    expect(response.headers["access-control-max-age"]).toBe("600");
  });

  it("allows any origin with *", async () => {
    const target = await withOrigins("*");
    const response = await target.inject({
      url: "/health/live",
      headers: { origin: "https://anywhere.example.org" },
    });
    expect(response.headers["access-control-allow-origin"]).toBe("*");
    expect((await preflight(target, "https://anywhere.example.org")).statusCode).toBe(204);
  });

  it("is off by default: no CORS headers, and OPTIONS is an unknown route", async () => {
    const target = await withOrigins();
    const response = await target.inject({
      method: "POST",
      url: "/orders",
      headers: { origin: DASHBOARD },
      payload: ORDER,
    });
    expect(response.statusCode).toBe(201);
    expect(
      Object.keys(response.headers).filter((name) => name.startsWith("access-control-")),
    ).toEqual([]);
    const options = await preflight(target, DASHBOARD);
    expect(options.statusCode).toBe(404);
    expect(options.headers["access-control-allow-origin"]).toBeUndefined();
    expect(options.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("keeps the preflight route out of the OpenAPI document", async () => {
    const target = await withOrigins(DASHBOARD);
    const document = (await target.inject({ url: "/docs/json" })).json();
    for (const operations of Object.values<Record<string, unknown>>(document.paths))
      expect(Object.keys(operations)).not.toContain("options");
  });
});
