import { topicsConsumedBy } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { sentCount, settled, useNotifications } from "../test/harness.js";
import { notificationsHandlers } from "./handlers.js";
import type { Notifier } from "./notifier.js";

describe("notificationsHandlers", () => {
  it("has one entry per topic the catalog lists notifications as a consumer of", () => {
    const handlers = notificationsHandlers({} as Notifier);
    expect(Object.keys(handlers).sort()).toEqual([...topicsConsumedBy("notifications")].sort());
  });
});

describe("each consumed topic notifies the order's customer", () => {
  const notifications = useNotifications();

  it("order.placed: `confirmed` with the order's total, to the customer who placed it and nobody else", async () => {
    const service = await notifications.instance();
    const customer = await notifications.app("cus-1");
    const someoneElse = await notifications.app("cus-2");
    const placed = await notifications.order("o-1", "cus-1").placed(4897);

    await vi.waitFor(() => expect(customer).toHaveLength(1));
    expect(customer[0]).toEqual({
      id: placed.id,
      customerId: "cus-1",
      orderId: "o-1",
      at: placed.payload.placedAt,
      kind: "confirmed",
      totalCents: 4897,
    });
    await settled(service);
    expect(someoneElse).toEqual([]);
    // received live: not kept for a later connection
    expect(await service.expose.store.list("cus-1")).toEqual([]);
    expect(await sentCount(service, { kind: "confirmed", outcome: "received" })).toBe(1);
  });

  it("shipment.dispatched, order.delivered and order.failed: found by order id, to the customer order.placed named", async () => {
    const service = await notifications.instance();
    const customer = await notifications.app("cus-1");
    const someoneElse = await notifications.app("cus-2");
    const shipped = notifications.order("o-1", "cus-1");
    const lost = notifications.order("o-2", "cus-1");
    await shipped.placed();
    await lost.placed();
    await vi.waitFor(() => expect(customer).toHaveLength(2));

    const dispatched = await shipped.dispatched();
    await vi.waitFor(() => expect(customer).toHaveLength(3));
    const delivered = await shipped.delivered();
    await vi.waitFor(() => expect(customer).toHaveLength(4));
    const failed = await lost.failed();
    await vi.waitFor(() => expect(customer).toHaveLength(5));

    expect(customer.slice(2)).toEqual([
      {
        id: dispatched.id,
        customerId: "cus-1",
        orderId: "o-1",
        at: dispatched.payload.dispatchedAt,
        kind: "dispatched",
        shipmentId: "shp-o-1",
        carrier: dispatched.payload.carrier,
        trackingNumber: dispatched.payload.trackingNumber,
      },
      {
        id: delivered.id,
        customerId: "cus-1",
        orderId: "o-1",
        at: delivered.payload.deliveredAt,
        kind: "delivered",
        shipmentId: "shp-o-1",
      },
      {
        id: failed.id,
        customerId: "cus-1",
        orderId: "o-2",
        at: failed.payload.failedAt,
        kind: "failed",
        reason: "unsupported_country",
      },
    ]);
    await settled(service);
    expect(someoneElse).toEqual([]);
  });

  it("keeps the notification when no app of the customer listens, and counts it as kept", async () => {
    const service = await notifications.instance();
    const placed = await notifications.order("o-1", "cus-1").placed();
    await settled(service);
    expect(await service.expose.store.list("cus-1")).toEqual([
      expect.objectContaining({ id: placed.id, kind: "confirmed", orderId: "o-1" }),
    ]);
    expect(await sentCount(service, { kind: "confirmed", outcome: "kept" })).toBe(1);
    expect(await sentCount(service, { outcome: "received" })).toBe(0);
  });

  it("writes and sends once when the same event is delivered twice", async () => {
    // Without the bus's own check, the redelivery reaches the handler: its step answers duplicate.
    const service = await notifications.instance({}, { idempotency: false });
    const listening = await notifications.app("cus-1");
    const inventory = notifications.bus("inventory");
    for (const [orderId, customerId] of [
      ["o-1", "cus-1"],
      ["o-2", "cus-2"],
    ] as const) {
      const first = await notifications.order(orderId, customerId).placed();
      await settled(service);
      await inventory.publish("order.placed", first.payload, {
        eventId: first.id,
        correlationId: orderId,
      });
      await settled(service);
    }
    const handled = await service.metrics.getSingleMetric("bus_events_handled_total")?.get();
    expect(handled?.values.reduce((sum, value) => sum + value.value, 0)).toBe(4);

    expect(listening).toHaveLength(1);
    expect(await service.expose.store.list("cus-2")).toHaveLength(1);
    expect(await sentCount(service, {})).toBe(2);
  });
});

describe("an event whose order's customer is not known", () => {
  const notifications = useNotifications();

  it("is retried until order.placed has been handled, then notifies", async () => {
    const service = await notifications.instance();
    const order = notifications.order("o-late", "cus-1");
    const dispatched = await order.dispatched();
    const failures = async () => {
      const metric = await service.metrics.getSingleMetric("bus_handler_failures_total")?.get();
      return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
    };
    await vi.waitFor(async () => expect(await failures()).toBeGreaterThan(0));

    const placed = await order.placed();
    await settled(service);
    const kept = await service.expose.store.list("cus-1");
    expect(kept.map((notification) => notification.id).sort()).toEqual(
      [placed.id, dispatched.id].sort(),
    );
  });

  it("is dropped after NOTIFICATIONS_UNKNOWN_ORDER_ATTEMPTS deliveries: acknowledged, nothing kept, no dead letter", async () => {
    const service = await notifications.instance({ NOTIFICATIONS_UNKNOWN_ORDER_ATTEMPTS: "3" });
    await notifications.order("o-unknown", "cus-1").delivered();
    await settled(service);
    const [group] = (await service.bus.admin.groups("order.delivered")).filter(
      (candidate) => candidate.group === "notifications",
    );
    expect(group?.deadLetters).toBe(0);
    const failures = await service.metrics.getSingleMetric("bus_handler_failures_total")?.get();
    expect(failures?.values.reduce((sum, value) => sum + value.value, 0)).toBe(2);
    const client = notifications.redis().client();
    try {
      expect(await client.keys("{notifications}:kept:*")).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
