import type { RetailTopicName } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import {
  cancelOrder,
  eventsOf,
  expectStockInvariant,
  getOrder,
  getProduct,
  placeOrder,
  putProduct,
  shipmentOf,
  useInventoryTestbed,
  WAIT,
} from "../test/harness.js";
import type { InventoryService } from "./service.js";

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

  it("shipment.cancelled answering a cancel request cancels the order with the customer's reason", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    const cancel = await service.app.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      payload: { reason: "changed my mind" },
    });
    expect(cancel.statusCode).toBe(202);
    const cancelled = await shipment.cancelled("order_cancelled");
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("cancelled"),
      WAIT,
    );
    expect(await getOrder(service, orderId)).toMatchObject({
      reservation: "released",
      reason: "changed my mind",
    });
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 10, reserved: 0 });
    const [released] = await eventsOf(testbed.client(), "reservation.released");
    expect(released?.payload).toMatchObject({ orderId, reason: "order_cancelled" });
    const [orderCancelled, ...more] = await eventsOf(testbed.client(), "order.cancelled");
    expect(more).toEqual([]);
    expect(orderCancelled?.payload).toMatchObject({ orderId, reason: "changed my mind" });
    expect(orderCancelled?.causationId).toBe(cancelled.id);

    await shipment.cancelled(); // a second one under a new id changes nothing
    await settled(service, "shipment.cancelled");
    expect(await eventsOf(testbed.client(), "reservation.released")).toHaveLength(1);
    expect(await eventsOf(testbed.client(), "order.cancelled")).toHaveLength(1);
    await expectStockInvariant(testbed.client());
  });

  it("shipment.cancel-refused before shipment.dispatched puts the order back to reserved with order.cancel-refused", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    const refused = await shipment.refused();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("reserved"),
      WAIT,
    );
    expect(await getOrder(service, orderId)).toMatchObject({
      reservation: "held",
      cancel: "refused",
      cancelRefused: "already_dispatched",
    });
    const [orderRefused, ...more] = await eventsOf(testbed.client(), "order.cancel-refused");
    expect(more).toEqual([]);
    expect(orderRefused?.payload).toMatchObject({ orderId, reason: "already_dispatched" });
    expect(orderRefused?.causationId).toBe(refused.id);

    await shipment.dispatched(); // the order goes on
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("dispatched"),
      WAIT,
    );
    expect(await getProduct(service, "MUG-1")).toMatchObject({ reserved: 0, shipped: 3 });
    await expectStockInvariant(testbed.client());
  });

  it("shipment.dispatched while a cancel waits ships the units and keeps cancel_requested until the refusal", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    await shipment.dispatched();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).reservation).toBe("shipped"),
      WAIT,
    );
    expect((await getOrder(service, orderId)).status).toBe("cancel_requested");
    await shipment.refused();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("dispatched"),
      WAIT,
    );
    expect(await eventsOf(testbed.client(), "order.cancel-refused")).toHaveLength(1);
    await expectStockInvariant(testbed.client());
  });

  it("shipment.delivered while a cancel waits delivers the order; the refusal after it only answers the request", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    await shipment.delivered();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("delivered"),
      WAIT,
    );
    await shipment.refused("delivered");
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).cancel).toBe("refused"),
      WAIT,
    );
    expect((await getOrder(service, orderId)).status).toBe("delivered");
    expect(await eventsOf(testbed.client(), "order.delivered")).toHaveLength(1);
    expect(await eventsOf(testbed.client(), "order.cancel-refused")).toHaveLength(1);
    expect(await eventsOf(testbed.client(), "order.cancelled")).toEqual([]);
    await expectStockInvariant(testbed.client());
  });

  it("shipment.cancel-refused for an order nobody asked to cancel changes nothing", async () => {
    const { service, orderId, shipment } = await orderOf(3);
    await shipment.refused();
    await settled(service, "shipment.cancel-refused");
    expect(await getOrder(service, orderId)).toMatchObject({ status: "reserved" });
    expect((await getOrder(service, orderId)).cancel).toBeUndefined();
    expect(await eventsOf(testbed.client(), "order.cancel-refused")).toEqual([]);
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

  it("keeps the invariant if a parcel is reported dispatched after its shipment was cancelled", async () => {
    // shipping's protocol rules this out; the stock must add up even so
    const { service, orderId, shipment } = await orderOf(3, 10);
    await shipment.cancelled();
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).status).toBe("cancelled"),
      WAIT,
    );
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

  it("publishes stock.low when shipped-after-release units take available to the threshold", async () => {
    const { service, orderId, shipment } = await orderOf(4, 9);
    await cancelOrder(service, testbed.bus("shipping"), orderId);
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
