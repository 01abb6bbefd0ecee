import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSampleApp } from "../test/sample-app.js";
import type { KitApp } from "./app-types.js";

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Record<string, unknown>>>;
}

describe("the OpenAPI document", () => {
  let app: KitApp;
  let document: OpenApiDocument;
  beforeAll(async () => {
    ({ app } = await buildSampleApp());
    const response = await app.inject({ method: "GET", url: "/docs/json" });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => {
    await app.close();
  });

  it("is OpenAPI 3 with the service's title and version", () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toEqual({ title: "Sample service", version: "1.2.3" });
  });

  it("describes a sample route's body, params, query and responses from its zod schemas", () => {
    const placeOrder = document.paths["/orders"]?.post;
    expect(placeOrder).toMatchObject({
      summary: "Place an order",
      tags: ["orders"],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["customerId", "lines"],
              properties: { customerId: { type: "string", minLength: 1 } },
            },
          },
        },
      },
      responses: { "201": expect.anything(), "400": expect.anything() },
    });

    const getOrder = document.paths["/orders/{orderId}"]?.get;
    const parameters = getOrder?.parameters as { in: string; name: string }[];
    expect(parameters.map(({ in: location, name }) => `${location}:${name}`).sort()).toEqual([
      "header:x-tenant",
      "path:orderId",
      "query:include",
      "query:limit",
    ]);
  });

  it("leaves the health, metrics and docs routes out", () => {
    const paths = Object.keys(document.paths);
    expect(paths.filter((path) => /health|metrics|docs/.test(path))).toEqual([]);
  });

  it("serves the Swagger UI at /docs", async () => {
    const response = await app.inject({ method: "GET", url: "/docs" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expect(response.body).toContain("swagger-ui");
  });
});
