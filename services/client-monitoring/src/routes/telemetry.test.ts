import { describe, expect, it } from "vitest";
import { expectError, useMonitoring } from "../../test/harness.js";

const at = "2025-03-14T09:26:53.589Z";
const batch = [
  { type: "pageview", at, path: "/checkout" },
  { type: "metric", at, name: "checkout.duration", value: 812, unit: "ms" },
  { type: "error", at, message: "Cannot read properties of undefined", name: "TypeError" },
];

describe("POST /telemetry", () => {
  const monitoring = useMonitoring();

  it("publishes a batch as one client.telemetry event and answers how many events it accepted", async () => {
    const { app } = await monitoring.instance();
    const response = await app.inject({
      method: "POST",
      url: "/telemetry",
      headers: { "x-correlation-id": "tele-1" },
      payload: { clientId: "web-3", app: "web-shop", events: batch },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 3 });
    const events = await monitoring.events("client.telemetry");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      correlationId: "tele-1",
      partitionKey: "web-3",
      payload: {
        clientId: "web-3",
        app: "web-shop",
        events: batch,
        receivedAt: expect.any(String),
      },
    });
  });

  it("takes the app from the client's heartbeat when the batch does not say, and 404s an unknown client", async () => {
    const { app } = await monitoring.instance();
    expectError(
      await app.inject({
        method: "POST",
        url: "/telemetry",
        payload: { clientId: "till-9", events: batch },
      }),
      404,
      "client_not_found",
    );
    await app.inject({
      method: "POST",
      url: "/clients/till-9/heartbeat",
      payload: { app: "till", version: "7.1" },
    });
    const response = await app.inject({
      method: "POST",
      url: "/telemetry",
      payload: { clientId: "till-9", events: batch.slice(0, 1) },
    });
    expect(response.json()).toEqual({ accepted: 1 });
    const [event] = await monitoring.events("client.telemetry");
    expect(event?.payload).toMatchObject({ clientId: "till-9", app: "till" });
  });

  it("refuses batches over the contract's limit, empty ones and malformed events with 400", async () => {
    const { app } = await monitoring.instance();
    const send = (events: unknown) =>
      app.inject({
        method: "POST",
        url: "/telemetry",
        payload: { clientId: "web-3", app: "web-shop", events },
      });
    const pageview = { type: "pageview", at, path: "/" };
    expectError(await send(Array.from({ length: 101 }, () => pageview)), 400, "validation_failed");
    expect((await send(Array.from({ length: 100 }, () => pageview))).statusCode).toBe(202);
    expectError(await send([]), 400, "validation_failed");
    expectError(await send([{ type: "click", at }]), 400, "validation_failed");
    expectError(
      await send([{ type: "log", at: "yesterday", level: "info", message: "x" }]),
      400,
      "validation_failed",
    );
    expect(await monitoring.events("client.telemetry")).toHaveLength(1);
  });

  it("refuses a body over TELEMETRY_BODY_LIMIT_BYTES with 413", async () => {
    const { app } = await monitoring.instance({ TELEMETRY_BODY_LIMIT_BYTES: "2048" });
    const events = Array.from({ length: 20 }, () => ({
      type: "log",
      at,
      level: "info",
      message: "x".repeat(200),
    }));
    expectError(
      await app.inject({
        method: "POST",
        url: "/telemetry",
        payload: { clientId: "web-3", app: "web-shop", events },
      }),
      413,
      "payload_too_large",
    );
    expect(await monitoring.events("client.telemetry")).toHaveLength(0);
  });
});
