import type { Scope } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { bearer, expectError, useMonitoring } from "../../test/harness.js";

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

  it("takes TELEMETRY_BATCHES_PER_MINUTE batches from a client over all instances, then 429 with Retry-After, while other clients and admins go on", async () => {
    const first = await monitoring.instance({ TELEMETRY_BATCHES_PER_MINUTE: "2" });
    const second = await monitoring.instance({ TELEMETRY_BATCHES_PER_MINUTE: "2" });
    const send = async (instance: typeof first, clientId: string, scopes: Scope[]) =>
      instance.app.inject({
        method: "POST",
        url: "/telemetry",
        headers: { authorization: await bearer(clientId, scopes) },
        payload: { clientId, app: "web-shop", events: batch },
      });
    const statuses = [];
    for (const instance of [first, second, first])
      statuses.push((await send(instance, "web-5", ["clients:report"])).statusCode);
    expect(statuses).toEqual([202, 202, 429]);
    const refused = await send(second, "web-5", ["clients:report"]);
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect((await send(second, "web-6", ["clients:report"])).statusCode).toBe(202);
    for (let batchSent = 0; batchSent < 3; batchSent += 1)
      expect((await send(first, "web-7", ["clients:report", "clients:admin"])).statusCode).toBe(
        202,
      );
    // refused batches were never published
    const published = await monitoring.events("client.telemetry");
    expect(
      published.filter((event) => (event.payload as { clientId: string }).clientId === "web-5"),
    ).toHaveLength(2);
  });

  it("accepts a client's batch as itself, and refuses one sent as another client with 403 client_mismatch", async () => {
    const { app } = await monitoring.instance();
    const web = await bearer("web-3", ["clients:report"]);
    const send = (clientId: string) =>
      app.inject({
        method: "POST",
        url: "/telemetry",
        headers: { authorization: web },
        payload: { clientId, app: "web-shop", events: batch },
      });
    expect((await send("web-3")).statusCode).toBe(202);
    const refused = await send("web-4");
    expectError(refused, 403, "client_mismatch");
    expect(refused.json().error.details).toEqual({ field: "clientId" });
    const published = await monitoring.events("client.telemetry");
    expect(published.map((event) => (event.payload as { clientId: string }).clientId)).toEqual([
      "web-3",
    ]);
  });

  it("takes bodies up to 64 KiB by default (100 log lines of 560 characters, six errors with 8 000-character stacks), and refuses a larger one with 413", async () => {
    const { app } = await monitoring.instance();
    const body = (messageLength: number) =>
      JSON.stringify({
        clientId: "web-3",
        app: "web-shop",
        events: Array.from({ length: 100 }, () => ({
          type: "log",
          at,
          level: "info",
          message: "x".repeat(messageLength),
        })),
      });
    const fits = body(560);
    const tooLarge = body(700);
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(tooLarge)).toBeGreaterThan(64 * 1024);
    const send = (payload: string) =>
      app.inject({
        method: "POST",
        url: "/telemetry",
        headers: { "content-type": "application/json" },
        payload,
      });
    const longStacks = JSON.stringify({
      clientId: "web-3",
      app: "web-shop",
      events: Array.from({ length: 6 }, () => ({
        type: "error",
        at,
        name: "TypeError",
        message: "Cannot read properties of undefined",
        stack: "s".repeat(8000),
      })),
    });
    expect((await send(fits)).statusCode).toBe(202);
    expect((await send(longStacks)).statusCode).toBe(202);
    expectError(await send(tooLarge), 413, "payload_too_large");
    expect(await monitoring.events("client.telemetry")).toHaveLength(2);
  });
});
