import { topicNames } from "@retail/contracts";
import { errorBodySchema } from "@retail/service-kit";
import {
  eventsPublished,
  expectClientSafe,
  headerValue,
  REFUSED_STATUSES,
} from "@retail/service-kit/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bearer, type Instance, useMonitoring } from "../../test/harness.js";

/**
 * Who calls: without `authorization`, the harness's staff (every scope); else a client
 * app (clients:report, as till-1), an operator without pii:read, no token, or garbage.
 */
const callers = Promise.all([
  bearer("till-1", ["clients:report"]),
  bearer("ops-1", ["ops:read"]),
]).then(([till, operator]) =>
  fc.constantFrom(till, operator, "", "Bearer not-a-token", "Basic dXNlcjpwYXNz"),
);
const headersOf = (authorization: fc.Arbitrary<string>) =>
  fc.record(
    {
      "content-type": fc.oneof(fc.constant("application/json"), headerValue),
      "x-correlation-id": headerValue,
      accept: headerValue,
      "last-event-id": headerValue,
      authorization,
    },
    { requiredKeys: [] },
  );
const anyString = fc.string({ unit: "binary", maxLength: 150 });
/** Path parameters: anything, and now and then a well-formed id that gets further. */
const param = fc.oneof(anyString, fc.constantFrom("till-1", "web-2", "o-1"));
const query = fc.dictionary(
  fc.oneof(fc.constantFrom("limit", "topic", "orderId"), anyString),
  fc.oneof(anyString, fc.integer().map(String)),
  { maxKeys: 4 },
);
const at = fc.oneof(
  fc
    .date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) })
    .map((d) => d.toISOString()),
  anyString,
);
/** Bodies close to valid ones, to get past the first checks. */
const shapedBody = fc.oneof(
  fc.record({
    app: fc.oneof(fc.constantFrom("till", "web-shop", "mobile"), anyString),
    version: anyString,
  }),
  fc.record({ text: fc.oneof(anyString, fc.string({ maxLength: 2100 })) }),
  fc.record(
    {
      clientId: fc.oneof(fc.constantFrom("till-1", "web-2"), anyString),
      app: fc.constantFrom("till", "web-shop", "mobile", "fridge"),
      events: fc.array(
        fc.record(
          {
            type: fc.constantFrom("error", "metric", "log", "pageview", "click"),
            at,
            message: anyString,
            name: anyString,
            value: fc.oneof(fc.double(), anyString),
            level: fc.constantFrom("debug", "info", "warn", "error", "fatal"),
            path: anyString,
          },
          { requiredKeys: ["type"] },
        ),
        { maxLength: 110 },
      ),
    },
    { requiredKeys: [] },
  ),
);
const body = fc.oneof(fc.jsonValue(), shapedBody);

interface Route {
  method: "GET" | "POST";
  url: (param: string) => string;
  runs?: number;
}

const ROUTES: Route[] = [
  { method: "POST", url: (id) => `/clients/${id}/heartbeat` },
  { method: "GET", url: () => "/clients" },
  { method: "GET", url: (id) => `/clients/${id}` },
  { method: "POST", url: (id) => `/clients/${id}/messages` },
  { method: "POST", url: () => "/telemetry" },
  { method: "GET", url: (id) => `/orders/${id}/timeline` },
  { method: "GET", url: () => "/stats", runs: 20 },
  { method: "GET", url: () => "/alerts" },
];

describe("any client input, on every route", () => {
  const monitoring = useMonitoring();

  /** Run the check against a fresh instance, then make sure the service still answers. */
  const withInstance = async (check: (service: Instance) => Promise<void>) => {
    const instance = await monitoring.instance({ TELEMETRY_BODY_LIMIT_BYTES: "65536" });
    await check(instance);
    // it still answers
    expect((await instance.app.inject({ method: "GET", url: "/health/ready" })).statusCode).toBe(
      200,
    );
    const beat = await instance.app.inject({
      method: "POST",
      url: "/clients/after-fuzz/heartbeat",
      payload: { app: "till", version: "1" },
    });
    expect(beat.statusCode).toBe(204);
    expect(
      (await instance.app.inject({ method: "GET", url: "/clients/after-fuzz" })).statusCode,
    ).toBe(200);
  };

  /**
   * The topics only a request publishes (a heartbeat, a telemetry batch); alerts and
   * client.offline come from background work, whenever it runs.
   */
  const REQUEST_TOPICS = ["client.online", "client.telemetry"];

  for (const route of ROUTES) {
    it(`${route.method} ${route.url(":param")} never answers 5xx to arbitrary params, query, body and headers, and publishes nothing it refused`, async () => {
      const headers = headersOf(await callers);
      await withInstance(async ({ app, metrics }) => {
        await fc.assert(
          fc.asyncProperty(param, query, body, headers, async (id, search, payload, sent) => {
            const published = await eventsPublished(metrics, REQUEST_TOPICS);
            const response = await app.inject({
              method: route.method,
              url: `${route.url(encodeURIComponent(id))}?${new URLSearchParams(search)}`,
              headers: sent,
              ...(route.method === "POST" ? { payload: JSON.stringify(payload) } : {}),
            });
            expectClientSafe(response);
            if (REFUSED_STATUSES.has(response.statusCode))
              expect(await eventsPublished(metrics, REQUEST_TOPICS)).toBe(published);
          }),
          { numRuns: route.runs ?? 100 },
        );
      });
    });
  }

  it("never answers 5xx to raw, unencoded paths and query strings", async () => {
    const urlChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
    await withInstance(async ({ app }) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES.filter((route) => route.url("x") !== route.url("y"))),
          fc.string({ unit: urlChar, maxLength: 120 }),
          async (route, raw) => {
            const response = await app.inject({
              method: route.method,
              url: route.url(raw),
              ...(route.method === "POST" ? { payload: "{}" } : {}),
            });
            expectClientSafe(response);
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  it("never answers 5xx to arbitrary bytes sent as JSON", async () => {
    await withInstance(async ({ app }) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES.filter((route) => route.method === "POST")),
          fc.uint8Array({ maxLength: 70_000 }),
          async (route, bytes) => {
            const response = await app.inject({
              method: route.method,
              url: route.url("till-1"),
              headers: { "content-type": "application/json" },
              payload: Buffer.from(bytes),
            });
            expectClientSafe(response);
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  it("refuses bad parameters of the streaming routes with 400 before streaming", async () => {
    const badId = fc.oneof(
      fc.constant(""),
      fc
        .tuple(fc.constantFrom(" ", "\t", "é", "\u0000"), anyString)
        .map(([bad, rest]) => `${bad}${rest}`.slice(0, 90)),
    );
    const notATopic = anyString.filter((value) =>
      value
        .split(",")
        .some((part) => part.trim() !== "" && !topicNames.includes(part.trim() as never)),
    );
    await withInstance(async ({ app }) => {
      await fc.assert(
        fc.asyncProperty(badId, notATopic, async (clientId, topic) => {
          const events = await app.inject({
            method: "GET",
            url: `/events/stream?${new URLSearchParams({ topic })}`,
          });
          expect(events.statusCode).toBe(400);
          expect(errorBodySchema.parse(events.json()).error.code).toBe("validation_failed");
          const orderFilter = await app.inject({
            method: "GET",
            url: `/events/stream?${new URLSearchParams({ orderId: clientId })}`,
          });
          expect(orderFilter.statusCode).toBe(400);
          const stream = await app.inject({
            method: "GET",
            url: `/clients/${encodeURIComponent(clientId)}/stream`,
          });
          expect([400, 404]).toContain(stream.statusCode);
          expectClientSafe(stream);
        }),
        { numRuns: 100 },
      );
    });
  });
});
