import { readFileSync } from "node:fs";
import { examplePayloads } from "@retail/contracts";
import {
  expectAccessControl,
  expectReadmeRouteTable,
  overTheSocket,
  testIdentity,
} from "@retail/service-kit/testing";
import { describe, expect, it, vi } from "vitest";
import { openStream, useMonitoring } from "../../test/harness.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const at = "2025-03-14T09:26:53.589Z";

describe("who may call each route", () => {
  const monitoring = useMonitoring();

  it("every route needs its scope, and another client's message stream answers 404 as an unknown one", async () => {
    const instance = await monitoring.instance();
    const { app } = instance;
    // What the allowed calls act on: a known client, a connected one, an order's timeline.
    expect(
      (
        await app.inject({
          method: "POST",
          url: "/clients/till-1/heartbeat",
          payload: { app: "till", version: "1.0.0" },
        })
      ).statusCode,
    ).toBe(204);
    const connected = await openStream(`${await instance.url()}/clients/till-2/stream`);
    await monitoring
      .bus("inventory")
      .publish("order.placed", { ...examplePayloads["order.placed"], orderId: "o-1" });
    try {
      await vi.waitFor(() => expect(connected.comments).toContain("connected"));
      await vi.waitFor(async () =>
        expect((await app.inject({ url: "/orders/o-1/timeline" })).statusCode).toBe(200),
      );
      // Over a real socket: the streams cannot be answered through inject.
      await expectAccessControl(
        overTheSocket(instance.app, await instance.url()),
        await testIdentity(),
        {
          // A client reports as itself: the allowed caller is the proof's subject,
          // "someone"; reporting as another is a 403 (clients.test, telemetry.test).
          "POST /clients/:clientId/heartbeat": {
            request: {
              method: "POST",
              url: "/clients/someone/heartbeat",
              payload: { app: "till", version: "1.0.0" },
            },
            status: 204,
          },
          "POST /telemetry": {
            request: {
              method: "POST",
              url: "/telemetry",
              payload: {
                clientId: "someone",
                app: "till",
                events: [{ type: "pageview", at, path: "/" }],
              },
            },
            status: 202,
          },
          "GET /clients/:clientId/stream": {
            request: { url: "/clients/till-1/stream" },
            ownedBy: "till-1",
          },
          "GET /clients": { request: { url: "/clients" } },
          "GET /clients/:clientId": { request: { url: "/clients/till-1" } },
          "POST /clients/:clientId/messages": {
            request: {
              method: "POST",
              url: "/clients/till-2/messages",
              payload: { text: "price update" },
            },
            status: 202,
          },
          "GET /events/stream": { request: { url: "/events/stream" } },
          "GET /orders/:orderId/timeline": { request: { url: "/orders/o-1/timeline" } },
          "GET /stats": { request: { url: "/stats" } },
          "GET /alerts": { request: { url: "/alerts" } },
        },
      );
    } finally {
      connected.close();
    }
  });

  it("serves the dashboard's page, config and topic views without a token", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    for (const url of [
      "/",
      "/index.html",
      "/app.js",
      "/style.css",
      "/config.json",
      "/topics.json",
    ]) {
      const response = await app.inject({ url, headers: { authorization: "" } });
      expect(response.statusCode, url).toBe(200);
    }
  });

  it("lists every route with its scope in the README, as the code declares them", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    expectReadmeRouteTable(README, app);
  });
});
