import { openSse } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { expectError, settled, useNotifications } from "../../test/harness.js";

describe("GET /customers/:customerId/notifications (server-sent events)", () => {
  const notifications = useNotifications();

  it("sends the kept notifications first, oldest first, taking them, then each new one live", async () => {
    const service = await notifications.instance();
    const first = notifications.order("o-1", "cus-1");
    const second = notifications.order("o-2", "cus-1");
    const placed = await first.placed();
    await settled(service);
    const dispatched = await first.dispatched();
    await settled(service);
    const other = await second.placed();
    await settled(service);
    expect(await service.expose.store.list("cus-1")).toHaveLength(3);

    const stream = await openSse(`${await service.url()}/customers/cus-1/notifications`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
      await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      expect(stream.events.map(({ event, id }) => ({ event, id }))).toEqual([
        { event: "notification", id: placed.id },
        { event: "notification", id: dispatched.id },
        { event: "notification", id: other.id },
      ]);
      expect(stream.events[1]?.data).toMatchObject({ kind: "dispatched", orderId: "o-1" });
      expect(await service.expose.store.list("cus-1")).toEqual([]);

      const delivered = await first.delivered();
      await vi.waitFor(() => expect(stream.events).toHaveLength(4));
      // what the handler tests check field by field, as a stream event
      expect(stream.events[3]).toMatchObject({
        event: "notification",
        id: delivered.id,
        data: { id: delivered.id, customerId: "cus-1", kind: "delivered" },
      });
      await settled(service);
      // received live, so not kept for the next connection
      expect(await service.expose.store.list("cus-1")).toEqual([]);
    } finally {
      stream.close();
    }
  });

  it("reaches the customer's streams on every instance, whichever instance handled the event", async () => {
    await notifications.instance(); // handles the events
    const viewer = await notifications.instance({}, { start: false }); // only serves streams
    const base = await viewer.url();
    const web = await openSse(`${base}/customers/cus-1/notifications`);
    const mobile = await openSse(`${base}/customers/cus-1/notifications`);
    const otherCustomer = await openSse(`${base}/customers/cus-2/notifications`);
    try {
      for (const stream of [web, mobile, otherCustomer])
        await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      const placed = await notifications.order("o-1", "cus-1").placed();
      for (const stream of [web, mobile])
        await vi.waitFor(() => expect(stream.events.map(({ id }) => id)).toEqual([placed.id]));
      expect(otherCustomer.events).toEqual([]);
    } finally {
      for (const stream of [web, mobile, otherCustomer]) stream.close();
    }
  });

  it("keeps the app's headers on the stream: the correlation id, and CORS for an allowed browser origin", async () => {
    const service = await notifications.instance(
      { CORS_ORIGINS: "https://shop.example" },
      { start: false },
    );
    const stream = await openSse(`${await service.url()}/customers/cus-1/notifications`, {
      origin: "https://shop.example",
      "x-correlation-id": "corr-sse-1",
    });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get("access-control-allow-origin")).toBe("https://shop.example");
      expect(stream.headers.get("x-correlation-id")).toBe("corr-sse-1");
    } finally {
      stream.close();
    }
  });

  it("refuses a malformed customer id with 400 validation_failed naming the field", async () => {
    const { app } = await notifications.instance({}, { start: false });
    for (const url of ["/customers/a%20b/notifications", "/customers/a%20b/notifications/kept"]) {
      const error = expectError(await app.inject({ method: "GET", url }), 400, "validation_failed");
      expect(error.details).toEqual([
        expect.objectContaining({ location: "params", path: "customerId" }),
      ]);
    }
  });

  it("serves at most SSE_MAX_STREAMS streams per instance: one more gets 503 too_many_streams with Retry-After", async () => {
    const service = await notifications.instance({ SSE_MAX_STREAMS: "1" }, { start: false });
    const base = await service.url();
    const first = await openSse(`${base}/customers/cus-1/notifications`);
    try {
      await vi.waitFor(() => expect(first.comments).toContain("connected"));
      const refused = await fetch(`${base}/customers/cus-2/notifications`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        "too_many_streams",
      );
    } finally {
      first.close();
    }
    // a closed stream frees its place
    await vi.waitFor(() => expect(service.expose.streams.size).toBe(0));
    const next = await openSse(`${base}/customers/cus-2/notifications`);
    try {
      await vi.waitFor(() => expect(next.comments).toContain("connected"));
    } finally {
      next.close();
    }
  });

  it("ends open streams when the service shuts down", async () => {
    const service = await notifications.instance({}, { start: false });
    const stream = await openSse(`${await service.url()}/customers/cus-1/notifications`);
    await vi.waitFor(() => expect(stream.comments).toContain("connected"));
    await service.close();
    await vi.waitFor(() => expect(stream.ended).toBe(true));
  });
});

describe("GET /customers/:customerId/notifications/kept", () => {
  const notifications = useNotifications();

  it("lists the kept notifications, oldest first, and leaves them kept", async () => {
    const service = await notifications.instance();
    const order = notifications.order("o-1", "cus-1");
    const placed = await order.placed(1234);
    await settled(service);
    const failed = await order.failed();
    await settled(service);

    for (let read = 0; read < 2; read += 1) {
      const response = await service.app.inject({
        method: "GET",
        url: "/customers/cus-1/notifications/kept",
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        customerId: "cus-1",
        notifications: [
          expect.objectContaining({ id: placed.id, kind: "confirmed", totalCents: 1234 }),
          expect.objectContaining({ id: failed.id, kind: "failed", reason: "unsupported_country" }),
        ],
      });
    }
    const nobody = await service.app.inject({
      method: "GET",
      url: "/customers/cus-9/notifications/kept",
    });
    expect(nobody.json()).toEqual({ customerId: "cus-9", notifications: [] });
  });
});
