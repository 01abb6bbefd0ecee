import { describe, expect, it, vi } from "vitest";
import { useMonitoring } from "../test/harness.js";

describe("the service", () => {
  const monitoring = useMonitoring();

  it("documents every route in OpenAPI, the streams as text/event-stream", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    const document = (await app.inject({ method: "GET", url: "/docs/json" })).json();
    expect(Object.keys(document.paths).sort()).toEqual([
      "/alerts",
      "/clients",
      "/clients/{clientId}",
      "/clients/{clientId}/heartbeat",
      "/clients/{clientId}/messages",
      "/clients/{clientId}/stream",
      "/events/stream",
      "/orders/{orderId}/timeline",
      "/stats",
      "/telemetry",
    ]);
    for (const path of ["/clients/{clientId}/stream", "/events/stream"]) {
      const responses = document.paths[path].get.responses;
      expect(Object.keys(responses["200"].content)).toEqual(["text/event-stream"]);
      expect(Object.keys(responses["400"].content)).toEqual(["application/json"]);
    }
    expect(document.paths["/telemetry"].post.responses).toHaveProperty("413");
  });

  it("is ready once its bus reads every topic, and reports its open streams as a metric", async () => {
    const { app } = await monitoring.instance();
    const ready = await app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", checks: { redis: "ok", bus: "ok" } });
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/client_monitoring_sse_streams\{service="client-monitoring"\} 0/);
  });

  it("closes twice without complaint", async () => {
    const service = await monitoring.instance();
    await service.close();
    await service.close();
  });

  it("answers 503 redis_unavailable with Retry-After, not 500, while Redis is killed", async () => {
    const { app } = await monitoring.instance();
    const listClients = () => app.inject({ method: "GET", url: "/clients" });
    expect((await listClients()).statusCode).toBe(200);
    await monitoring.redis().stop("kill");
    try {
      const response = await listClients();
      expect(response.statusCode, response.body).toBe(503);
      expect(response.headers["retry-after"]).toBe("3");
      expect(response.json()).toMatchObject({ error: { code: "redis_unavailable" } });
    } finally {
      await monitoring.redis().start();
    }
    await vi.waitFor(async () => expect((await listClients()).statusCode).toBe(200), {
      timeout: 15_000,
      interval: 50,
    });
  });
});
