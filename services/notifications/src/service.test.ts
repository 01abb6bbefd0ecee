import { openSse } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { auth, useNotifications } from "../test/harness.js";
import { configSchema } from "./config.js";

describe("configuration", () => {
  it("has a default for every variable: port 3004, 50 kept for 7 days, orders remembered 30 days, 1 000 streams, 5 per caller", () => {
    expect(configSchema.parse({})).toEqual({
      PORT: 3004,
      NOTIFICATIONS_ORDER_TTL_MS: 2_592_000_000,
      NOTIFICATIONS_KEPT_MAX: 50,
      NOTIFICATIONS_KEPT_TTL_MS: 604_800_000,
      NOTIFICATIONS_UNKNOWN_ORDER_ATTEMPTS: 10,
      SSE_MAX_STREAMS: 1_000,
      SSE_MAX_STREAMS_PER_PRINCIPAL: 5,
      SSE_HEARTBEAT_INTERVAL_MS: 15_000,
      SSE_RETRY_MS: 3_000,
      SSE_MAX_BUFFERED_BYTES: 262_144,
    });
  });
});

describe("the notifications service", () => {
  const notifications = useNotifications();

  it("is ready once its subscriptions read, with the kit's redis and bus checks", async () => {
    const service = await notifications.instance();
    const response = await service.app.inject({ method: "GET", url: "/health/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready", checks: { redis: "ok", bus: "ok" } });
  });

  it("exposes the open streams and the notifications sent as Prometheus metrics", async () => {
    const service = await notifications.instance({}, { start: false });
    const stream = await openSse(
      `${await service.url()}/customers/cus-1/notifications`,
      await auth(),
    );
    try {
      await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      const metrics = (await service.app.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toMatch(/^notifications_sse_streams\{service="notifications"\} 1$/m);
      expect(metrics).toContain("# TYPE notifications_sent_total counter");
    } finally {
      stream.close();
    }
  });

  it("sends the heartbeat comment every SSE_HEARTBEAT_INTERVAL_MS and suggests SSE_RETRY_MS for reconnecting", async () => {
    const service = await notifications.instance(
      { SSE_HEARTBEAT_INTERVAL_MS: "20", SSE_RETRY_MS: "1234" },
      { start: false },
    );
    const response = await fetch(`${await service.url()}/customers/cus-1/notifications`, {
      headers: await auth(),
    });
    const reader = response.body?.getReader();
    let text = "";
    try {
      while (!text.includes(": heartbeat")) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
    } finally {
      await reader?.cancel();
    }
    expect(text).toMatch(/^retry: 1234\n\n/);
    expect(text).toContain(": heartbeat\n\n");
  });
});
