import type { SseClient } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { bearer, expectError, openStream, useMonitoring } from "../test/harness.js";

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

  it("refuses a caller's stream past SSE_MAX_STREAMS_PER_PRINCIPAL, over both stream routes, while others still connect", async () => {
    const instance = await monitoring.instance({ SSE_MAX_STREAMS_PER_PRINCIPAL: "2" });
    const base = await instance.url();
    const operator = await bearer("ops-1", ["ops:read", "clients:report", "clients:admin"]);
    const streams: SseClient[] = [];
    try {
      streams.push(
        await openStream(`${base}/events/stream`, operator),
        await openStream(`${base}/clients/till-1/stream`, operator),
        await openStream(`${base}/events/stream`, await bearer("ops-2", ["ops:read"])),
      );
      for (const stream of streams) expect(stream.status).toBe(200);
      for (const url of ["/events/stream", "/clients/till-2/stream"]) {
        const refused = await instance.app.inject({ url, headers: { authorization: operator } });
        expectError(refused, 429, "too_many_principal_streams");
        expect(refused.headers["retry-after"]).toBe("5");
        expect(refused.json().error.details).toEqual({ limit: 2 });
      }
      expect(instance.expose.hub.size).toBe(3);

      // A closed stream gives its place back.
      streams[0]?.close();
      await vi.waitFor(() => expect(instance.expose.hub.heldBy("ops-1")).toBe(1));
      streams.push(await openStream(`${base}/events/stream`, operator));
      expect(streams.at(-1)?.status).toBe(200);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it("refuses any caller's stream past SSE_MAX_STREAMS with 503 too_many_streams, and holds no place for it", async () => {
    const instance = await monitoring.instance({ SSE_MAX_STREAMS: "1" });
    const first = await openStream(`${await instance.url()}/events/stream`);
    try {
      expect(first.status).toBe(200);
      const viewer = await bearer("ops-2", ["ops:read"]);
      const refused = await instance.app.inject({
        url: "/events/stream",
        headers: { authorization: viewer },
      });
      expectError(refused, 503, "too_many_streams");
      expect(refused.headers["retry-after"]).toBe("5");
      expect(instance.expose.hub.heldBy("ops-2")).toBe(0);
    } finally {
      first.close();
    }
  });
});
