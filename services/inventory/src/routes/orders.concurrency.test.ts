import { describe, expect, it } from "vitest";
import {
  eventsOf,
  expectStockInvariant,
  getProduct,
  placeOrder,
  putProduct,
  useInventoryTestbed,
} from "../../test/harness.js";

describe("concurrent orders", () => {
  const testbed = useInventoryTestbed();

  it("accepts exactly 50 of 200 concurrent orders for the last 50 units, and never oversells", async () => {
    const service = await testbed.service();
    await putProduct(service, "CONSOLE-1", 80, 49_999);
    expect((await placeOrder(service, [{ sku: "CONSOLE-1", quantity: 30 }])).statusCode).toBe(201);

    const responses = await Promise.all(
      Array.from({ length: 200 }, () => placeOrder(service, [{ sku: "CONSOLE-1", quantity: 1 }])),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(50);
    expect(statuses.filter((status) => status === 409)).toHaveLength(150);
    for (const response of responses.filter((r) => r.statusCode === 409)) {
      expect(response.json()).toMatchObject({ error: { code: "out_of_stock" } });
    }

    expect(await getProduct(service, "CONSOLE-1")).toMatchObject({
      available: 0,
      reserved: 80,
      shipped: 0,
      received: 80,
    });
    const client = testbed.client();
    expect(await eventsOf(client, "order.placed")).toHaveLength(51);
    expect(await eventsOf(client, "order.rejected")).toHaveLength(150);
    await expectStockInvariant(client);
  });
});
