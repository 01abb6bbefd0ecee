import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSampleApp } from "../test/sample-app.js";
import type { KitApp } from "./app-types.js";
import { errorBodySchema } from "./errors.js";

const ORDER_ID = "0b6f5a3e-6f0e-4d55-9a6b-2f0b1d7c9e21";

describe("the error model over HTTP", () => {
  let app: KitApp;
  beforeAll(async () => {
    ({ app } = await buildSampleApp({ env: { BODY_LIMIT_BYTES: "1024" } }));
  });
  afterAll(async () => {
    await app.close();
  });

  const postOrder = (payload: string, contentType = "application/json") =>
    app.inject({
      method: "POST",
      url: "/orders",
      headers: { "content-type": contentType },
      payload,
    });

  it("answers an unknown route with 404 not_found in the error body", async () => {
    const response = await app.inject({ method: "GET", url: "/no/such/route?x=1" });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      error: { code: "not_found", message: "No route GET /no/such/route" },
    });
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const response = await postOrder('{"customerId": "c1", ');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("answers an empty JSON body with 400 invalid_json", async () => {
    const response = await postOrder("");
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("answers a prototype-poisoning JSON body with 400 invalid_json", async () => {
    const response = await postOrder('{"__proto__": {"admin": true}}');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("answers a body that is not JSON (even text/plain) with 415 unsupported_media_type", async () => {
    for (const contentType of [
      "application/xml",
      "text/plain",
      "multipart/form-data; boundary=x",
    ]) {
      const response = await postOrder("<order/>", contentType);
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
    }
  });

  it("answers a body over BODY_LIMIT_BYTES with 413 payload_too_large", async () => {
    const response = await postOrder(JSON.stringify({ customerId: "c".repeat(2048), lines: [] }));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("reports every invalid body field as validation_failed with its dotted path", async () => {
    const response = await postOrder(
      JSON.stringify({
        customerId: "",
        lines: [
          { sku: "SKU-1", quantity: 2 },
          { sku: "SKU-2", quantity: 0 },
        ],
      }),
    );
    expect(response.statusCode).toBe(400);
    const body = errorBodySchema.parse(response.json());
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details).toEqual([
      { location: "body", path: "customerId", message: expect.any(String) },
      { location: "body", path: "lines.1.quantity", message: expect.any(String) },
    ]);
  });

  it("reports a missing body as validation_failed", async () => {
    const response = await app.inject({ method: "POST", url: "/orders" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("reports an invalid path parameter as validation_failed in params", async () => {
    const response = await app.inject({ method: "GET", url: "/orders/not-a-uuid" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: {
        code: "validation_failed",
        details: [{ location: "params", path: "orderId", message: "Invalid UUID" }],
      },
    });
  });

  it("reports an invalid query parameter as validation_failed in querystring", async () => {
    const response = await app.inject({ method: "GET", url: `/orders/${ORDER_ID}?limit=1000` });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: { code: "validation_failed", details: [{ location: "querystring", path: "limit" }] },
    });
  });

  it("reports an invalid header as validation_failed in headers", async () => {
    const response = await app.inject({
      method: "GET",
      url: `/orders/${ORDER_ID}`,
      headers: { "x-tenant": "NOT LOWERCASE" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: { code: "validation_failed", details: [{ location: "headers", path: "x-tenant" }] },
    });
  });

  it("passes a valid request through with coerced, typed values", async () => {
    const response = await app.inject({
      method: "GET",
      url: `/orders/${ORDER_ID}?limit=5`,
      headers: { "x-tenant": "acme" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ orderId: ORDER_ID, limit: 5 });
  });

  it("sends a service's domain error with its code, status and details", async () => {
    const response = await app.inject({ method: "POST", url: "/stock/SKU-9/reserve" });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: {
        code: "out_of_stock",
        message: "Not enough stock",
        details: { sku: "SKU-9", available: 0 },
      },
    });
  });

  it("answers a bug with 500 internal_error without leaking its message", async () => {
    const response = await app.inject({ method: "GET", url: "/boom" });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: { code: "internal_error", message: "Internal server error" },
    });
    expect(response.body).not.toContain("hunter2");
  });

  it("answers a malformed URL encoding with 400 bad_request in the error body", async () => {
    const response = await app.inject({ method: "GET", url: "/orders/%E0%A4%A" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "bad_request" } });
    expect(response.headers["x-correlation-id"]).toEqual(expect.any(String));
  });

  it("accepts a path parameter as long as the contracts' longest id, percent-encoded", async () => {
    const id = encodeURIComponent("é".repeat(64));
    const response = await app.inject({ method: "GET", url: `/orders/${id}` });
    expect(response.statusCode).not.toBe(414);
  });

  it("answers an over-long path parameter with 414 uri_too_long", async () => {
    const response = await app.inject({ method: "GET", url: `/orders/${"a".repeat(600)}` });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toMatchObject({ error: { code: "uri_too_long" } });
  });
});
