import { describe, expect, it, vi } from "vitest";
import {
  expectStockInvariant,
  getProduct,
  placeOrder,
  putProduct,
  useInventoryTestbed,
  WAIT,
} from "../test/harness.js";
import { REPLAYED_HEADER } from "./routes/orders.js";

describe("inventory while Redis is away", () => {
  const testbed = useInventoryTestbed();

  it("answers 503 redis_unavailable with Retry-After while Redis is down, and the order retried with the same Idempotency-Key is placed once", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const lines = [{ sku: "MUG-1", quantity: 2 }];
    const key = { "idempotency-key": "order-through-an-outage" };

    await testbed.redis().stop("kill");
    try {
      for (const response of [
        await placeOrder(service, lines, key),
        await service.app.inject({ method: "GET", url: "/products/MUG-1" }),
      ]) {
        expect(response.statusCode, response.body).toBe(503);
        expect(response.headers["retry-after"]).toBe("3");
        expect(response.json()).toMatchObject({ error: { code: "redis_unavailable" } });
      }
    } finally {
      await testbed.redis().start();
    }

    // Retried as a client would: each attempt is 503 until Redis answers, never 500.
    const statuses: number[] = [];
    const placed = await vi.waitFor(async () => {
      const response = await placeOrder(service, lines, key);
      statuses.push(response.statusCode);
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ orderId: string }>();
    }, WAIT);
    expect(statuses.filter((status) => status !== 503 && status !== 201)).toEqual([]);

    const replayed = await placeOrder(service, lines, key);
    expect(replayed.statusCode).toBe(201);
    expect(replayed.headers[REPLAYED_HEADER]).toBe("true");
    expect(replayed.json()).toMatchObject({ orderId: placed.orderId });
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 8, reserved: 2 });
    await expectStockInvariant(testbed.client());
  });
});
