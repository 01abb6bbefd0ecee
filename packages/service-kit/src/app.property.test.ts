import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { buildSampleApp } from "../test/sample-app.js";
import type { KitApp } from "./app-types.js";
import { expectClientSafe, headerValue } from "./testing.js";

const anyString = fc.string({ unit: "binary", maxLength: 300 });

describe("any client input", () => {
  let app: KitApp;
  beforeAll(async () => {
    ({ app } = await buildSampleApp({ env: { BODY_LIMIT_BYTES: "4096" } }));
  });
  afterAll(async () => {
    await app.close();
  });

  it("never gets a 5xx for an arbitrary JSON body, and 4xx come in the error body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (body) => {
        const response = await app.inject({
          method: "POST",
          url: "/orders",
          headers: { "content-type": "application/json" },
          payload: JSON.stringify(body),
        });
        expectClientSafe(response);
      }),
    );
  });

  it("never gets a 5xx for arbitrary bytes sent as JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), async (bytes) => {
        const response = await app.inject({
          method: "POST",
          url: "/orders",
          headers: { "content-type": "application/json" },
          payload: Buffer.from(bytes),
        });
        expectClientSafe(response);
      }),
    );
  });

  it("never gets a 5xx for arbitrary strings as path and query parameters", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyString,
        fc.dictionary(anyString, anyString, { maxKeys: 4 }),
        async (orderId, query) => {
          const search = new URLSearchParams(query).toString();
          const response = await app.inject({
            method: "GET",
            url: `/orders/${encodeURIComponent(orderId)}?${search}`,
          });
          expectClientSafe(response);
        },
      ),
    );
  });

  it("never gets a 5xx for raw, unencoded URL paths and query strings", async () => {
    const urlChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: urlChar, maxLength: 200 }), async (rest) => {
        const response = await app.inject({ method: "GET", url: `/orders/${rest}` });
        expectClientSafe(response);
      }),
    );
  });

  it("never gets a 5xx for arbitrary header values, content type included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          "x-tenant": headerValue,
          "x-correlation-id": headerValue,
          "content-type": headerValue,
          accept: headerValue,
        }),
        fc.jsonValue(),
        async (headers, body) => {
          const response = await app.inject({
            method: "POST",
            url: "/orders",
            headers,
            payload: JSON.stringify(body),
          });
          expectClientSafe(response);
          const get = await app.inject({
            method: "GET",
            url: "/orders/0b6f5a3e-6f0e-4d55-9a6b-2f0b1d7c9e21",
            headers,
          });
          expectClientSafe(get);
        },
      ),
    );
  });
});
