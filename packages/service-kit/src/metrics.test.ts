import { Counter } from "prom-client";
import { describe, expect, it } from "vitest";
import { buildSampleApp, sampleRoutes, TEST_ENV } from "../test/sample-app.js";
import { buildApp } from "./app.js";
import { testIdentity } from "./auth/test-identity.js";
import { createServiceContext } from "./context.js";

const ORDER_ID = "0b6f5a3e-6f0e-4d55-9a6b-2f0b1d7c9e21";

describe("GET /metrics", () => {
  it("exposes a custom counter registered on the context's registry before the app was built", async () => {
    const context = createServiceContext({ name: "inventory", env: TEST_ENV });
    const published = new Counter({
      name: "bus_events_published_total",
      help: "Events published to the bus",
      labelNames: ["stream"],
      registers: [context.metrics],
    });
    published.inc({ stream: "inventory.order-placed" }, 3);

    const identity = await testIdentity();
    const app = await buildApp({ context, auth: identity.verifier, routes: sampleRoutes });
    try {
      const response = await app.inject({
        method: "GET",
        url: "/metrics",
        headers: { authorization: await identity.bearer("prometheus", ["ops:read"]) },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(response.body).toContain(
        'bus_events_published_total{stream="inventory.order-placed",service="inventory"} 3',
      );
    } finally {
      await app.close();
    }
  });

  it("times requests by method, route pattern and status code, never by raw URL", async () => {
    const { app } = await buildSampleApp();
    try {
      await app.inject({ method: "GET", url: `/orders/${ORDER_ID}` });
      await app.inject({ method: "GET", url: "/orders/not-a-uuid" });
      await app.inject({ method: "GET", url: "/no/such/route" });

      const { body } = await app.inject({ method: "GET", url: "/metrics" });
      expect(body).toContain("# TYPE http_request_duration_seconds histogram");
      expect(body).toMatch(
        /http_request_duration_seconds_count\{service="sample",method="GET",route="\/orders\/:orderId",status_code="200"\} 1\n/,
      );
      expect(body).toMatch(
        /http_request_duration_seconds_count\{service="sample",method="GET",route="\/orders\/:orderId",status_code="400"\} 1\n/,
      );
      expect(body).toMatch(
        /http_request_duration_seconds_count\{service="sample",method="GET",route="unmatched",status_code="404"\} 1\n/,
      );
      expect(body).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",service="sample"/);
      expect(body).not.toContain(ORDER_ID);
      expect(body).not.toContain("not-a-uuid");
      expect(body).not.toContain("/no/such/route");
    } finally {
      await app.close();
    }
  });

  it("includes the default process metrics", async () => {
    const { app } = await buildSampleApp();
    try {
      const { body } = await app.inject({ method: "GET", url: "/metrics" });
      expect(body).toContain("process_cpu_user_seconds_total");
      expect(body).toContain("nodejs_eventloop_lag_seconds");
    } finally {
      await app.close();
    }
  });

  it("keeps each app's metrics apart when several run in one process", async () => {
    const first = await buildSampleApp();
    const second = await buildSampleApp();
    try {
      await first.app.inject({ method: "GET", url: "/health/live" });
      await first.app.inject({ method: "GET", url: "/health/live" });
      const counted = (body: string) =>
        body.match(
          /http_request_duration_seconds_count\{[^}]*route="\/health\/live"[^}]*\} (\d+)/,
        )?.[1];
      expect(counted((await first.app.inject({ method: "GET", url: "/metrics" })).body)).toBe("2");
      expect(
        counted((await second.app.inject({ method: "GET", url: "/metrics" })).body),
      ).toBeUndefined();
    } finally {
      await first.app.close();
      await second.app.close();
    }
  });
});
