import {
  eventsPublished,
  expectClientSafe,
  headerValue,
  keyspaceSnapshot,
  REFUSED_STATUSES,
} from "@retail/service-kit/testing";
import fc from "fast-check";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { anOrder, useShippingHarness } from "../../test/harness.js";
import type { ShippingService } from "../service.js";

/** The requests the fuzz sends through `app.inject`. */
interface InjectRequest {
  method: Route["method"];
  url: string;
  headers?: Record<string, string | undefined>;
  payload?: string;
}

interface Route {
  name: string;
  method: "GET" | "POST";
  /** The URL for an id (a shipment id, or an order id for the list). */
  url: (id: string) => string;
}

const ROUTES: readonly Route[] = [
  { name: "GET /shipments/:id", method: "GET", url: (id) => `/shipments/${id}` },
  { name: "GET /shipments?orderId=", method: "GET", url: (id) => `/shipments?orderId=${id}` },
  {
    name: "POST /shipments/:id/dispatch",
    method: "POST",
    url: (id) => `/shipments/${id}/dispatch`,
  },
  { name: "POST /shipments/:id/deliver", method: "POST", url: (id) => `/shipments/${id}/deliver` },
];

const RUNS = { numRuns: 100 };

const anyString = fc.string({ unit: "binary", maxLength: 300 });
const urlChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

describe("any client input, at every route", () => {
  const harness = useShippingHarness();

  /** The test's own client for the checks, made by setUp. */
  let checks: Redis | undefined;

  /** A service with shipments in every state, and ids worth aiming at: real ones and junk. */
  async function setUp() {
    checks = harness.client();
    const shipping = await harness.service({ SHIPPING_COUNTRIES: "GB,DE" });
    const ids: string[] = [];
    const orderIds: string[] = [];
    for (const [index, country] of ["GB", "GB", "DE", "US"].entries()) {
      const orderId = `ord-${index}`;
      ids.push((await harness.placed(shipping, anOrder(orderId, country))).shipmentId);
      orderIds.push(orderId);
    }
    await harness.cancelRequested(shipping, "ord-1");
    const target = fc.oneof(
      fc.constantFrom(...ids, ...orderIds).map(encodeURIComponent),
      fc.string({ maxLength: 140 }).map(encodeURIComponent),
    );
    return { shipping, ids, target };
  }

  /**
   * Send `request` and check the answer is client-safe; a refused request (a 4xx that
   * refuses its input) leaves no trace: no state written, no event committed. The
   * carrier's timers are a minute away, so nothing else writes meanwhile.
   */
  async function send(shipping: ShippingService, request: InjectRequest): Promise<void> {
    const redis = checks as Redis;
    const stateBefore = await keyspaceSnapshot(redis, "{shipping}:*");
    const eventsBefore = await eventsPublished(shipping.metrics);
    const response = await shipping.app.inject(request);
    expectClientSafe(response);
    if (REFUSED_STATUSES.has(response.statusCode)) {
      expect(await keyspaceSnapshot(redis, "{shipping}:*")).toEqual(stateBefore);
      expect(await eventsPublished(shipping.metrics)).toBe(eventsBefore);
    }
  }

  /** The service still answers, and no shipment went through a step twice or out of order. */
  async function expectStillHealthy(shipping: ShippingService, ids: readonly string[]) {
    expect((await shipping.app.inject({ url: "/health/live" })).statusCode).toBe(200);
    const dispatched = await harness.events("shipment.dispatched");
    const delivered = await harness.events("shipment.delivered");
    for (const id of ids) {
      const response = await shipping.app.inject({ url: `/shipments/${id}` });
      expect(response.statusCode).toBe(200);
      const statuses = (response.json() as { history: { status: string }[] }).history.map(
        (entry) => entry.status,
      );
      expect([
        ["pending"],
        ["pending", "dispatched"],
        ["pending", "dispatched", "delivered"],
        ["pending", "cancelled"],
        ["failed"],
      ]).toContainEqual(statuses);
      const count = (events: { payload: { shipmentId: string } }[]) =>
        events.filter((event) => event.payload.shipmentId === id).length;
      expect(count(dispatched)).toBe(statuses.includes("dispatched") ? 1 : 0);
      expect(count(delivered)).toBe(statuses.includes("delivered") ? 1 : 0);
    }
  }

  for (const route of ROUTES) {
    it(`${route.name}: never a 5xx for arbitrary JSON bodies, and nothing written for a refused one`, async () => {
      const { shipping, ids, target } = await setUp();
      await fc.assert(
        fc.asyncProperty(target, fc.jsonValue(), async (id, body) => {
          await send(shipping, {
            method: route.method,
            url: route.url(id),
            headers: { "content-type": "application/json" },
            payload: JSON.stringify(body),
          });
        }),
        RUNS,
      );
      await expectStillHealthy(shipping, ids);
    });

    it(`${route.name}: never a 5xx for arbitrary path and query strings, and nothing written for a refused one`, async () => {
      const { shipping, ids, target } = await setUp();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(target, anyString.map(encodeURIComponent)),
          fc.dictionary(anyString, anyString, { maxKeys: 4 }),
          fc.string({ unit: urlChar, maxLength: 100 }),
          async (id, query, raw) => {
            const search = new URLSearchParams(query).toString();
            const url = route.url(id);
            const joined = `${url}${url.includes("?") ? "&" : "?"}${search}`;
            await send(shipping, { method: route.method, url: joined });
            // raw, unencoded characters where the id goes
            await send(shipping, { method: route.method, url: route.url(raw) });
          },
        ),
        RUNS,
      );
      await expectStillHealthy(shipping, ids);
    });

    it(`${route.name}: never a 5xx for arbitrary header values, content type included, and nothing written for a refused one`, async () => {
      const { shipping, ids, target } = await setUp();
      await fc.assert(
        fc.asyncProperty(
          target,
          fc.record({
            "x-correlation-id": headerValue,
            "content-type": headerValue,
            accept: headerValue,
            "content-length": fc.option(fc.nat({ max: 10_000 }).map(String), { nil: undefined }),
          }),
          fc.option(fc.jsonValue(), { nil: undefined }),
          async (id, headers, body) => {
            const { "content-length": contentLength, ...rest } = headers;
            await send(shipping, {
              method: route.method,
              url: route.url(id),
              headers: contentLength === undefined ? rest : headers,
              ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
            });
          },
        ),
        RUNS,
      );
      await expectStillHealthy(shipping, ids);
    });
  }
});
