import type { RetailTopicName } from "@retail/contracts";
import { describe, expect, it } from "vitest";
import {
  eventsOf,
  placeOrder,
  putProduct,
  type Reply,
  useInventoryTestbed,
} from "../../test/harness.js";

/**
 * Client-monitoring files every event (but client apps') in the timeline of its
 * correlation id as well as of its payload's orderId, so no event inventory publishes may
 * take a caller's `x-correlation-id` that names another order.
 */
const TOPICS: RetailTopicName[] = [
  "order.placed",
  "order.rejected",
  "order.cancel-requested",
  "stock.low",
  "stock.restocked",
  "product.price-changed",
];

describe("a caller's x-correlation-id", () => {
  const testbed = useInventoryTestbed();

  it("never puts an event under another order's id, nor changes that order: placing, cancelling, repricing and restocking with it", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10, 500, { lowStockThreshold: 8 });
    const victim = (
      await placeOrder(service, [{ sku: "MUG-1", quantity: 1 }], {}, "customer-1")
    ).json<{
      orderId: string;
    }>().orderId;
    const stored = await testbed.client().hgetall(`{inventory}:order:${victim}`);
    const headers = { "x-correlation-id": victim };
    const calls: Reply[] = [
      await placeOrder(service, [{ sku: "MUG-1", quantity: 2 }], headers, "customer-2"),
      await placeOrder(service, [{ sku: "MUG-1", quantity: 100 }], headers, "customer-2"),
      await service.app.inject({
        method: "PUT",
        url: "/products/MUG-1",
        payload: { name: "Mug", priceCents: 600, available: 9, lowStockThreshold: 8 },
        headers,
      }),
      await service.app.inject({
        method: "POST",
        url: "/products/MUG-1/restock",
        payload: { quantity: 1 },
        headers,
      }),
    ];
    const attacker = calls[0]?.json<{ orderId: string }>().orderId;
    calls.push(
      await service.app.inject({ method: "POST", url: `/orders/${attacker}/cancel`, headers }),
    );
    expect(calls.map((call) => call.statusCode)).toEqual([201, 409, 200, 200, 202]);

    const published = (
      await Promise.all(TOPICS.map((topic) => eventsOf(testbed.client(), topic)))
    ).flat();
    // Every topic above was published, so none escaped the check below by being absent.
    expect(new Set(published.map((event) => event.type))).toEqual(new Set(TOPICS));
    // The victim's own order.placed is the one event under its id, by correlation or payload.
    const underVictim = published.filter(
      (event) => event.correlationId === victim || event.payload.orderId === victim,
    );
    expect(underVictim.map((event) => [event.type, event.payload.orderId])).toEqual([
      ["order.placed", victim],
    ]);
    expect(await testbed.client().hgetall(`{inventory}:order:${victim}`)).toEqual(stored);
  });

  it("is echoed on the response, while the product's events carry an id of inventory's own", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const restocked = await service.app.inject({
      method: "POST",
      url: "/products/MUG-1/restock",
      payload: { quantity: 5 },
      headers: { "x-correlation-id": "restock-42" },
    });
    expect(restocked.headers["x-correlation-id"]).toBe("restock-42");
    const [event] = await eventsOf(testbed.client(), "stock.restocked");
    expect(event?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event?.correlationId).not.toBe("restock-42");
  });
});
