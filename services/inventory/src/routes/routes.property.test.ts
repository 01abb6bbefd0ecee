import {
  eventsPublished,
  expectClientSafe,
  headerValue,
  keyspaceSnapshot,
  REFUSED_STATUSES,
} from "@retail/service-kit/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ADDRESS,
  expectStockInvariant,
  type Reply,
  useInventoryTestbed,
} from "../../test/harness.js";
import { DEMO_CATALOG } from "../seed.js";
import type { InventoryService } from "../service.js";

const SKUS = DEMO_CATALOG.map((product) => product.sku);
const anyString = fc.string({ unit: "binary", maxLength: 120 });

// Bodies the routes accept, so that stock really moves while the fuzz runs.
const validOrder = fc.record({
  customerId: fc.constant("c-1"),
  lines: fc.uniqueArray(
    fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 30 }) }),
    { minLength: 1, maxLength: 3, selector: (line) => line.sku },
  ),
  shippingAddress: fc.constant(ADDRESS),
});
const validProduct = fc.record({
  name: fc.constant("Fuzzed product"),
  priceCents: fc.nat(20_000),
  available: fc.nat(50),
});
const validRestock = fc.record({ quantity: fc.integer({ min: 1, max: 20 }) });
const validCancel = fc.oneof(fc.constant(null), fc.record({ reason: fc.constant("fuzz") }));

/** Bodies that are almost right: a field off or missing, or meant for another route. */
const nearlyValidBody = fc.oneof(
  validOrder,
  validProduct,
  validRestock,
  fc.record(
    {
      customerId: fc.oneof(fc.constant("c-1"), anyString),
      lines: fc.array(
        fc.record({
          sku: fc.oneof(fc.constantFrom(...SKUS), anyString),
          quantity: fc.oneof(fc.integer({ min: -2, max: 30 }), fc.double()),
        }),
        { maxLength: 4 },
      ),
      shippingAddress: fc.oneof(
        fc.constant(ADDRESS),
        fc
          .oneof(fc.constantFrom("DE", "ZZ", "gb"), anyString)
          .map((country) => ({ ...ADDRESS, country })),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      name: fc.oneof(fc.constant("Fuzzed product"), anyString),
      priceCents: fc.oneof(fc.nat(20_000), fc.integer(), fc.double()),
      available: fc.oneof(fc.nat(50), fc.integer(), fc.double()),
      lowStockThreshold: fc.oneof(fc.nat(10), fc.integer()),
      quantity: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double(), anyString),
      reason: fc.oneof(fc.constant("fuzz"), anyString, fc.integer()),
    },
    { requiredKeys: [] },
  ),
);

type Method = "GET" | "PUT" | "POST";
interface Route {
  method: Method;
  /** The URL for a path parameter (ignored by routes without one). */
  url: (id: string) => string;
  /** Bodies the route accepts, if it takes one. */
  valid?: fc.Arbitrary<unknown>;
}

/** Every route of the service. */
const ROUTES: readonly Route[] = [
  { method: "GET", url: () => "/products" },
  { method: "GET", url: (sku) => `/products/${sku}` },
  { method: "PUT", url: (sku) => `/products/${sku}`, valid: validProduct },
  { method: "POST", url: (sku) => `/products/${sku}/restock`, valid: validRestock },
  { method: "POST", url: () => "/orders", valid: validOrder },
  { method: "GET", url: (orderId) => `/orders/${orderId}` },
  { method: "POST", url: (orderId) => `/orders/${orderId}/cancel`, valid: validCancel },
];
const RUNS_PER_ROUTE = 100;
const runs = { numRuns: RUNS_PER_ROUTE * ROUTES.length };
const route = fc.constantFrom(...ROUTES);

/** A route and a body for it: valid for that route, almost valid, or any JSON at all. */
const routeAndBody = route.chain((chosen) =>
  fc.tuple(
    fc.constant(chosen),
    fc.oneof(
      { weight: 2, arbitrary: chosen.valid ?? fc.jsonValue() },
      { weight: 1, arbitrary: nearlyValidBody },
      { weight: 2, arbitrary: fc.jsonValue() },
    ),
  ),
);

describe("any client input, at every route", () => {
  const testbed = useInventoryTestbed();

  /** A seeded service, and the ids of orders it accepted (so cancels hit real orders). */
  async function fuzzTarget() {
    const service = await testbed.service({ SEED_DEMO_CATALOG: "true", BODY_LIMIT_BYTES: "8192" });
    const orderIds: string[] = [];
    const redis = testbed.client();
    return {
      service,
      /** A path id: a real SKU or order id, or anything at all. */
      id(choice: number, arbitrary: string): string {
        if (choice % 3 === 0) return SKUS[choice % SKUS.length] as string;
        if (choice % 3 === 1 && orderIds.length > 0)
          return orderIds[choice % orderIds.length] as string;
        return encodeURIComponent(arbitrary);
      },
      async send(request: {
        method: Method;
        url: string;
        headers?: Record<string, string>;
        payload?: string | Buffer;
      }) {
        const stateBefore = await keyspaceSnapshot(redis, "{inventory}:*");
        const eventsBefore = await eventsPublished(service.metrics);
        const response = (await service.app.inject(request)) as Reply;
        expectClientSafe(response);
        // A refused request leaves no trace: no state written, no event committed.
        if (REFUSED_STATUSES.has(response.statusCode)) {
          expect(await keyspaceSnapshot(redis, "{inventory}:*")).toEqual(stateBefore);
          expect(await eventsPublished(service.metrics)).toBe(eventsBefore);
        }
        if (response.statusCode === 201 && request.url.startsWith("/orders")) {
          orderIds.push(response.json<{ orderId: string }>().orderId);
        }
        return response;
      },
    };
  }

  /** Afterwards the service still answers, and no unit of stock was lost or made up. */
  async function expectHealthy(service: InventoryService): Promise<void> {
    const ready = await service.app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.statusCode, ready.body).toBe(200);
    const products = await service.app.inject({ method: "GET", url: "/products?limit=500" });
    expect(products.statusCode).toBe(200);
    await expectStockInvariant(testbed.client());
  }

  it("never answers 5xx to arbitrary JSON bodies, writes nothing for a refused one, and keeps the stock invariant", async () => {
    const target = await fuzzTarget();
    await fc.assert(
      fc.asyncProperty(
        routeAndBody,
        fc.nat(),
        anyString,
        async ([{ method, url }, body], choice, arbitrary) => {
          await target.send({
            method,
            url: url(target.id(choice, arbitrary)),
            headers: { "content-type": "application/json" },
            payload: JSON.stringify(body),
          });
        },
      ),
      runs,
    );
    await expectHealthy(target.service);
  });

  it("never answers 5xx to arbitrary bytes sent as JSON", async () => {
    const target = await fuzzTarget();
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.uint8Array({ maxLength: 10_000 }),
        async ({ method, url }, bytes) => {
          await target.send({
            method,
            url: url("MUG-CERAMIC-350"),
            headers: { "content-type": "application/json" },
            payload: Buffer.from(bytes),
          });
        },
      ),
      runs,
    );
    await expectHealthy(target.service);
  });

  it("never answers 5xx to arbitrary path parameters and query strings", async () => {
    const target = await fuzzTarget();
    await fc.assert(
      fc.asyncProperty(
        route,
        anyString,
        fc.dictionary(anyString, anyString, { maxKeys: 4 }),
        fc.nat(),
        async ({ method, url }, arbitrary, query, choice) => {
          const search = new URLSearchParams(query).toString();
          await target.send({ method, url: `${url(target.id(choice, arbitrary))}?${search}` });
        },
      ),
      runs,
    );
    await expectHealthy(target.service);
  });

  it("never answers 5xx to raw, unencoded URL paths and query strings", async () => {
    const target = await fuzzTarget();
    const urlChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.string({ unit: urlChar, maxLength: 150 }),
        async ({ method, url }, raw) => {
          await target.send({ method, url: url(raw) });
        },
      ),
      runs,
    );
    await expectHealthy(target.service);
  });

  it("never answers 5xx to arbitrary header values, Idempotency-Key and content type included", async () => {
    const target = await fuzzTarget();
    await fc.assert(
      fc.asyncProperty(
        routeAndBody,
        fc.record(
          {
            "idempotency-key": headerValue,
            "x-correlation-id": headerValue,
            "content-type": fc.oneof(fc.constant("application/json"), headerValue),
            accept: headerValue,
          },
          { requiredKeys: [] },
        ),
        async ([{ method, url }, body], headers) => {
          await target.send({
            method,
            url: url("MUG-CERAMIC-350"),
            headers,
            payload: JSON.stringify(body),
          });
        },
      ),
      runs,
    );
    await expectHealthy(target.service);
  });
});
