import { readFileSync } from "node:fs";
import {
  expectAccessControl,
  expectReadmeRouteTable,
  overTheSocket,
  testIdentity,
} from "@retail/service-kit/testing";
import { openSse } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { auth, expectError, settled, useNotifications } from "../../test/harness.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("who may read a customer's notifications", () => {
  const notifications = useNotifications();

  it("every route needs orders:read, and another customer gets 404 as for an unknown one", async () => {
    const service = await notifications.instance({}, { start: false });
    await expectAccessControl(
      overTheSocket(service.app, await service.url()),
      await testIdentity(),
      {
        "GET /customers/:customerId/notifications": {
          request: { url: "/customers/cus-1/notifications" },
          ownedBy: "cus-1",
        },
        "GET /customers/:customerId/notifications/kept": {
          request: { url: "/customers/cus-1/notifications/kept" },
          ownedBy: "cus-1",
        },
      },
    );
  });

  it("answers another customer the same 404 customer_not_found whether or not the customer has notifications", async () => {
    const service = await notifications.instance();
    await notifications.order("o-1", "cus-1").placed();
    await settled(service);
    const stranger = await auth("cus-2", ["orders:read"]);

    const answers = [];
    for (const customerId of ["cus-1", "cus-never-seen"]) {
      const response = await service.app.inject({
        url: `/customers/${customerId}/notifications/kept`,
        headers: stranger,
      });
      const error = expectError(response, 404, "customer_not_found");
      expect(error.details).toEqual({ customerId });
      answers.push({ code: error.code, message: error.message.replace(customerId, "<id>") });
    }
    expect(answers[0]).toEqual(answers[1]);
  });

  it("opens no stream for another customer, and leaves the customer's kept notifications kept", async () => {
    const service = await notifications.instance();
    await notifications.order("o-1", "cus-1").placed();
    await settled(service);
    const kept = await service.expose.store.list("cus-1");
    expect(kept).toHaveLength(1);

    const base = await service.url();
    const refused = await fetch(`${base}/customers/cus-1/notifications`, {
      headers: await auth("cus-2", ["orders:read"]),
    });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: "customer_not_found" } });
    expect(service.expose.streams.size).toBe(0);
    expect(service.expose.streams.heldBy("cus-2")).toBe(0);
    expect(await service.expose.store.list("cus-1")).toEqual(kept);
  });

  it("lets the customer and staff with orders:all read the customer's notifications, without pii:read", async () => {
    const service = await notifications.instance();
    const placed = await notifications.order("o-1", "cus-1").placed();
    await settled(service);

    for (const reader of [
      await auth("cus-1", ["orders:read"]),
      await auth("support-7", ["orders:read", "orders:all"]),
    ]) {
      const response = await service.app.inject({
        url: "/customers/cus-1/notifications/kept",
        headers: reader,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ notifications: [{ id: placed.id }] });
    }

    const stream = await openSse(
      `${await service.url()}/customers/cus-1/notifications`,
      await auth("cus-1", ["orders:read"]),
    );
    try {
      await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      expect(stream.events.map(({ id }) => id)).toEqual([placed.id]);
    } finally {
      stream.close();
    }
  });

  it("lists every route with its scope in the README, as the code declares them", async () => {
    const service = await notifications.instance({}, { start: false });
    expectReadmeRouteTable(README, service.app);
  });
});
