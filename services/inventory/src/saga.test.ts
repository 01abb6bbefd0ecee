import { randomUUID } from "node:crypto";
import type { Envelope } from "@retail/bus";
import { describe, expect, it } from "vitest";
import {
  eventsOf,
  expectStockInvariant,
  getProduct,
  placeOrder,
  putProduct,
  useInventoryTestbed,
} from "../test/harness.js";
import { OrderStore } from "./orders-store.js";
import { OrderSaga, type ShipmentPayload } from "./saga.js";

function dispatchedEvent(orderId: string): Envelope<ShipmentPayload> {
  return {
    id: randomUUID(),
    type: "shipment.dispatched",
    version: 1,
    occurredAt: new Date().toISOString(),
    source: "shipping",
    correlationId: orderId,
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    partitionKey: orderId,
    payload: {
      shipmentId: "shp-1",
      orderId,
      carrier: "dhl",
      trackingNumber: "JD0001",
      dispatchedAt: new Date().toISOString(),
    },
  };
}

describe("the order saga's transition script", () => {
  const testbed = useInventoryTestbed();

  it("applies an event once however often and however concurrently it is applied", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const { orderId } = (await placeOrder(service, [{ sku: "MUG-1", quantity: 3 }])).json<{
      orderId: string;
    }>();
    const orders = new OrderStore(service.redis, service.bus);
    const saga = new OrderSaga(service.redis, service.bus, "inventory", 5, 0);
    const order = await orders.get(orderId);
    if (!order) throw new Error("order missing");
    const event = dispatchedEvent(orderId);

    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => saga.apply("dispatched", event, order)),
    );
    const again = await saga.apply("dispatched", event, order);

    expect(outcomes.filter((outcome) => outcome.outcome === "applied")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === "duplicate")).toHaveLength(4);
    expect(again.outcome).toBe("duplicate");
    expect(await getProduct(service, "MUG-1")).toMatchObject({
      available: 7,
      reserved: 0,
      shipped: 3,
    });
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
    expect(await testbed.client().zscore("processed:{inventory}", event.id)).not.toBeNull();
    await expectStockInvariant(testbed.client());
  });

  it("reports a new event that changes nothing as unchanged, and marks it processed", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const { orderId } = (await placeOrder(service, [{ sku: "MUG-1", quantity: 3 }])).json<{
      orderId: string;
    }>();
    const saga = new OrderSaga(service.redis, service.bus, "inventory", 5, 0);
    const orders = new OrderStore(service.redis, service.bus);
    const order = await orders.get(orderId);
    if (!order) throw new Error("order missing");
    expect((await saga.apply("dispatched", dispatchedEvent(orderId), order)).outcome).toBe(
      "applied",
    );
    const second = dispatchedEvent(orderId);
    expect(await saga.apply("dispatched", second, order)).toMatchObject({
      outcome: "unchanged",
      from: "dispatched",
      to: "dispatched",
    });
    expect(await testbed.client().zscore("processed:{inventory}", second.id)).not.toBeNull();
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
  });
});
