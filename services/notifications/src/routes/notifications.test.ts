import { openSse } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { auth, expectError, settled, useNotifications } from "../../test/harness.js";

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

    const stream = await openSse(
      `${await service.url()}/customers/cus-1/notifications`,
      await auth(),
    );
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
    const web = await openSse(`${base}/customers/cus-1/notifications`, await auth());
    const mobile = await openSse(`${base}/customers/cus-1/notifications`, await auth());
    const otherCustomer = await openSse(`${base}/customers/cus-2/notifications`, await auth());
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
      ...(await auth()),
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
    const first = await openSse(`${base}/customers/cus-1/notifications`, await auth());
    try {
      await vi.waitFor(() => expect(first.comments).toContain("connected"));
      const refused = await fetch(`${base}/customers/cus-2/notifications`, {
        headers: await auth(),
      });
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
    const next = await openSse(`${base}/customers/cus-2/notifications`, await auth());
    try {
      await vi.waitFor(() => expect(next.comments).toContain("connected"));
    } finally {
      next.close();
    }
  });

  it("serves at most SSE_MAX_STREAMS_PER_PRINCIPAL streams to one caller: one more gets 429 too_many_principal_streams with Retry-After, others still connect", async () => {
    const service = await notifications.instance(
      { SSE_MAX_STREAMS_PER_PRINCIPAL: "2" },
      { start: false },
    );
    const base = await service.url();
    const customer = await auth("cus-1", ["orders:read"]);
    const open = [
      await openSse(`${base}/customers/cus-1/notifications`, customer),
      await openSse(`${base}/customers/cus-1/notifications`, customer),
    ];
    try {
      for (const stream of open)
        await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      const refused = await fetch(`${base}/customers/cus-1/notifications`, { headers: customer });
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(await refused.json()).toMatchObject({
        error: { code: "too_many_principal_streams", details: { limit: 2 } },
      });
      expect(service.expose.streams.size).toBe(2);

      // another caller is not held back by the first one's streams
      const other = await openSse(
        `${base}/customers/cus-2/notifications`,
        await auth("cus-2", ["orders:read"]),
      );
      open.push(other);
      await vi.waitFor(() => expect(other.comments).toContain("connected"));
    } finally {
      open[0]?.close();
    }
    // a closed stream frees its caller's place
    await vi.waitFor(() => expect(service.expose.streams.heldBy("cus-1")).toBe(1));
    const again = await openSse(`${base}/customers/cus-1/notifications`, customer);
    open.push(again);
    try {
      await vi.waitFor(() => expect(again.comments).toContain("connected"));
    } finally {
      for (const stream of open) stream.close();
    }
  });

  it("counts a stream the instance's own cap refused against nobody's share", async () => {
    const service = await notifications.instance(
      { SSE_MAX_STREAMS: "1", SSE_MAX_STREAMS_PER_PRINCIPAL: "1" },
      { start: false },
    );
    const base = await service.url();
    const first = await openSse(
      `${base}/customers/cus-1/notifications`,
      await auth("cus-1", ["orders:read"]),
    );
    try {
      await vi.waitFor(() => expect(first.comments).toContain("connected"));
      const customer = await auth("cus-2", ["orders:read"]);
      const refused = await fetch(`${base}/customers/cus-2/notifications`, { headers: customer });
      expect(refused.status).toBe(503);
      expect(service.expose.streams.heldBy("cus-2")).toBe(0);
    } finally {
      first.close();
    }
    await vi.waitFor(() => expect(service.expose.streams.heldBy("cus-1")).toBe(0));
  });

  it("ends open streams when the service shuts down", async () => {
    const service = await notifications.instance({}, { start: false });
    const stream = await openSse(
      `${await service.url()}/customers/cus-1/notifications`,
      await auth(),
    );
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
