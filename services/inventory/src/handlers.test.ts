import type { Bus } from "@retail/bus";
import type { RetailCatalog, RetailTopicName } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import {
  eventsOf,
  expectStockInvariant,
  getOrder,
  getProduct,
  placeOrder,
  putProduct,
  useInventoryTestbed,
  WAIT,
} from "../test/harness.js";
import type { InventoryService } from "./service.js";

const now = () => new Date().toISOString();
const parcel = { carrier: "dhl", trackingNumber: "JD0001" };

/** Shipping's events for one order, published by a stand-in for the shipping service. */
function shipmentOf(shipping: Bus<RetailCatalog>, orderId: string, shipmentId = `shp-${orderId}`) {
  const options = { correlationId: orderId };
  return {
    created: () =>
      shipping.publish(
        "shipment.created",
        { shipmentId, orderId, ...parcel, destinationCountry: "GB", createdAt: now() },
        options,
      ),
    dispatched: (eventId?: string) =>
      shipping.publish(
        "shipment.dispatched",
        { shipmentId, orderId, ...parcel, dispatchedAt: now() },
        eventId === undefined ? options : { ...options, eventId },
      ),
    delivered: () =>
      shipping.publish(
        "shipment.delivered",
        { shipmentId, orderId, ...parcel, deliveredAt: now() },
        options,
      ),
    failed: (reason = "unsupported_country") =>
      shipping.publish(
        "shipment.failed",
        { shipmentId, orderId, reason, failedAt: now() },
        options,
      ),
    cancelled: (reason = "order_cancelled") =>
      shipping.publish(
        "shipment.cancelled",
        { shipmentId, orderId, reason, cancelledAt: now() },
        options,
      ),
  };
}

/** Wait until the inventory group has handled (acknowledged) everything on `topic`. */
async function settled(service: InventoryService, topic: RetailTopicName): Promise<void> {
  await vi.waitFor(async () => {
    const [group] = await service.bus.admin.groups(topic);
    expect(group).toMatchObject({ group: "inventory", pending: 0, lag: 0 });
  }, WAIT);
}

describe("shipment handlers", () => {
  const testbed = useInventoryTestbed();

  async function orderOf(quantity: number, stock = 10) {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", stock);
    const response = await placeOrder(service, [{ sku: "MUG-1", quantity }]);
    expect(response.statusCode).toBe(201);
    const { orderId } = response.json<{ orderId: string }>();
    return { service, orderId, shipment: shipmentOf(testbed.bus("shipping"), orderId) };
  }

  it("shipment.created records the shipment id on the order and changes nothing else", async () => {
    const { service, orderId, shipment } = await orderOf(2);
    await shipment.created();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).shipmentId).toBe(`shp-${orderId}`),
      WAIT,
    );
    expect(await getOrder(service, orderId)).toMatchObject({
      status: "reserved",
      reservation: "held",
    });
  });

  it("shipment.dispatched turns the reservation into shipped stock and publishes reservation.committed", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    const dispatched = await shipment.dispatched();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("dispatched"),
      WAIT,
    );
    expect(await getProduct(service, "MUG-1")).toMatchObject({
      available: 7,
      reserved: 0,
      shipped: 3,
      received: 10,
    });
    const [committed, ...more] = await eventsOf(testbed.client(), "reservation.committed");
    expect(more).toEqual([]);
    expect(committed?.payload).toMatchObject({ orderId, lines: [{ sku: "MUG-1", quantity: 3 }] });
    expect(committed?.correlationId).toBe(orderId);
    expect(committed?.causationId).toBe(dispatched.id);
    await expectStockInvariant(testbed.client());
  });

  it("shipment.delivered after dispatch closes the order with order.delivered", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await shipment.dispatched();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("dispatched"),
      WAIT,
    );
    await shipment.delivered();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("delivered"),
      WAIT,
    );
    const [delivered] = await eventsOf(testbed.client(), "order.delivered");
    expect(delivered?.payload).toMatchObject({ orderId, shipmentId: `shp-${orderId}` });
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 7, shipped: 3 });
  });

  it("shipment.delivered arriving before shipment.dispatched ships the stock once and delivers the order", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await shipment.delivered();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("delivered"),
      WAIT,
    );
    await shipment.dispatched();
    await settled(service, "shipment.dispatched");
    expect(await getOrder(service, orderId)).toMatchObject({
      status: "delivered",
      reservation: "shipped",
    });
    expect(await getProduct(service, "MUG-1")).toMatchObject({
      available: 7,
      reserved: 0,
      shipped: 3,
    });
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
    expect(await eventsOf(testbed.client(), "order.delivered")).toHaveLength(1);
    await expectStockInvariant(testbed.client());
  });

  it("shipment.failed releases the reservation (compensation) and fails the order", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await shipment.failed("unsupported_country");
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("failed"),
      WAIT,
    );
    expect(await getOrder(service, orderId)).toMatchObject({
      reservation: "released",
      reason: "unsupported_country",
    });
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 10, reserved: 0 });
    const [released] = await eventsOf(testbed.client(), "reservation.released");
    expect(released?.payload).toMatchObject({ orderId, reason: "shipment_failed" });
    const [failed] = await eventsOf(testbed.client(), "order.failed");
    expect(failed?.payload).toMatchObject({ orderId, reason: "unsupported_country" });
    await expectStockInvariant(testbed.client());
  });

  it("shipment.failed after dispatch fails the order without releasing stock that already left", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await shipment.dispatched();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("dispatched"),
      WAIT,
    );
    await shipment.failed("lost_in_transit");
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("failed"),
      WAIT,
    );
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 7, shipped: 3 });
    expect(await eventsOf(testbed.client(), "reservation.released")).toEqual([]);
    expect(await eventsOf(testbed.client(), "order.failed")).toHaveLength(1);
    await expectStockInvariant(testbed.client());
  });

  it("shipment.cancelled while the reservation is held releases it and cancels the order", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await shipment.cancelled("carrier_unavailable");
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("cancelled"),
      WAIT,
    );
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 10, reserved: 0 });
    const [released] = await eventsOf(testbed.client(), "reservation.released");
    expect(released?.payload).toMatchObject({ orderId, reason: "shipment_cancelled" });
    expect(await eventsOf(testbed.client(), "order.cancelled")).toHaveLength(1);
    await expectStockInvariant(testbed.client());
  });

  it("shipment.cancelled after inventory cancelled the order is a no-op", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    const cancel = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(cancel.statusCode).toBe(200);
    await shipment.cancelled("order_cancelled");
    await settled(service, "shipment.cancelled");
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 10, reserved: 0 });
    expect(await eventsOf(testbed.client(), "reservation.released")).toHaveLength(1);
    expect(await eventsOf(testbed.client(), "order.cancelled")).toHaveLength(1);
  });

  it("has one effect when the same shipment.dispatched is delivered twice", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    const first = await shipment.dispatched();
    await shipment.dispatched(first.id); // shipping retrying a publish: same event id
    await settled(service, "shipment.dispatched");
    expect(await getProduct(service, "MUG-1")).toMatchObject({
      available: 7,
      reserved: 0,
      shipped: 3,
    });
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
    expect((await getOrder(service, orderId)).status).toBe("dispatched");
  });

  it("refuses to cancel after dispatch with 409 already_dispatched", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await shipment.dispatched();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("dispatched"),
      WAIT,
    );
    const response = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: { code: "already_dispatched", details: { orderId, status: "dispatched" } },
    });
    expect(await getProduct(service, "MUG-1")).toMatchObject({ shipped: 3, reserved: 0 });
  });

  it("keeps the invariant when a shipment is dispatched after the order was cancelled (the race)", async () => {
    const { service, orderId, shipment } = await orderOf(3, 10);
    const cancel = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(cancel.statusCode).toBe(200);
    await shipment.dispatched();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).reservation).toBe("shipped"),
      WAIT,
    );
    // the goods left: they come out of available stock, the order stays cancelled
    expect(await getOrder(service, orderId)).toMatchObject({ status: "cancelled" });
    expect(await getProduct(service, "MUG-1")).toMatchObject({
      available: 7,
      reserved: 0,
      shipped: 3,
      received: 10,
    });
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
    await shipment.delivered();
    await settled(service, "shipment.delivered");
    expect(await getOrder(service, orderId)).toMatchObject({ status: "cancelled" });
    expect(await eventsOf(testbed.client(), "order.delivered")).toEqual([]);
    await expectStockInvariant(testbed.client());
  });

  it("publishes stock.low when shipped-after-cancel units take available to the threshold", async () => {
    const { service, orderId, shipment } = await orderOf(4, 9);
    await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(await eventsOf(testbed.client(), "stock.low")).toHaveLength(1); // 9 - 4 = 5 on placing
    await shipment.dispatched();
    await vi.waitFor(
      async () => expect((await getProduct(service, "MUG-1")).shipped).toBe(4),
      WAIT,
    );
    // 5 → released to 9 (flag cleared) → 5 again when the goods left anyway
    expect((await eventsOf(testbed.client(), "stock.low")).map((e) => e.payload.available)).toEqual(
      [5, 5],
    );
  });

  it("dead-letters a shipment event for an order inventory never had", async () => {
    const service = await testbed.service();
    await shipmentOf(testbed.bus("shipping"), "no-such-order").dispatched();
    await vi.waitFor(async () => {
      const [group] = await service.bus.admin.groups("shipment.dispatched");
      expect(group?.deadLetters).toBe(1);
    }, WAIT);
    const [letter] = await service.bus.admin.listDeadLetters("shipment.dispatched");
    expect(letter).toMatchObject({ reason: "non_retryable" });
  });
});
