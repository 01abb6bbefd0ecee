import { examplePayloads } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import {
  cancelOrder,
  eventsOf,
  placeOrder,
  putProduct,
  useInventoryTestbed,
  WAIT,
} from "../test/harness.js";
import type { InventoryService } from "./service.js";

/** `bus_events_published_total` by topic, as the service's `/metrics` route shows it. */
async function publishedByTopic(service: InventoryService): Promise<Record<string, number>> {
  const response = await service.app.inject({ method: "GET", url: "/metrics" });
  const counts: Record<string, number> = {};
  for (const [, topic, value] of response.body.matchAll(
    /^bus_events_published_total\{[^}]*topic="([^"]+)"[^}]*\} (\d+)$/gm,
  ))
    counts[topic as string] = Number(value);
  return counts;
}

describe("bus_events_published_total", () => {
  const testbed = useInventoryTestbed();

  it("counts the events inventory's scripts appended, not the prepared alternatives they left out", async () => {
    const service = await testbed.service({ LOW_STOCK_THRESHOLD: "5" });
    await putProduct(service, "MUG-1", 10);
    await putProduct(service, "TEE-1", 2); // created low: stock.low
    const orderIdOf = (reply: { json<T>(): T }) => reply.json<{ orderId: string }>().orderId;
    // placed (order.rejected left out), MUG-1 down to 4: stock.low
    const cancelled = orderIdOf(await placeOrder(service, [{ sku: "MUG-1", quantity: 6 }]));
    // rejected (order.placed and stock.low left out)
    await placeOrder(service, [{ sku: "TEE-1", quantity: 5 }]);
    // order.cancel-requested; shipping's answer releases (order.cancelled,
    // reservation.released, MUG-1 back above the threshold: stock.low left out)
    const shipping = testbed.bus("shipping");
    await cancelOrder(service, shipping, cancelled, "changed my mind");
    // still low and already flagged: stock.low left out
    const restock = await service.app.inject({
      method: "POST",
      url: "/products/TEE-1/restock",
      payload: { quantity: 1 },
    });
    expect(restock.statusCode, restock.body).toBe(200);

    // a dispatch commits the reservation (order.delivered left out); a second one
    // under a new id finds it committed and appends nothing
    const shipped = orderIdOf(await placeOrder(service, [{ sku: "MUG-1", quantity: 1 }]));
    const dispatched = { ...examplePayloads["shipment.dispatched"], orderId: shipped };
    await shipping.publish("shipment.dispatched", dispatched);
    await shipping.publish("shipment.dispatched", dispatched);
    await vi.waitFor(async () => {
      const groups = await service.bus.admin.groups("shipment.dispatched");
      expect(groups.find(({ group }) => group === "inventory")).toMatchObject({
        pending: 0,
        lag: 0,
      });
    }, WAIT);

    const counts = await publishedByTopic(service);
    expect(counts).toEqual({
      "stock.low": 2,
      "order.placed": 2,
      "order.rejected": 1,
      "order.cancel-requested": 1,
      "order.cancelled": 1,
      "reservation.released": 1,
      "stock.restocked": 1,
      "reservation.committed": 1,
    });
    for (const [topic, count] of Object.entries(counts))
      expect(await eventsOf(testbed.client(), topic as "stock.low")).toHaveLength(count);
  });
});
