import { describe, expect, it } from "vitest";
import { placeOrder, putProduct, useInventoryTestbed } from "../test/harness.js";
import { stockInvariantViolations } from "./testing.js";

describe("stockInvariantViolations", () => {
  const testbed = useInventoryTestbed();

  it("finds nothing wrong in consistent stock", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    await placeOrder(service, [{ sku: "MUG-1", quantity: 4 }]);
    expect(await stockInvariantViolations(testbed.client())).toEqual([]);
  });

  it("names the SKU whose counters do not add up, and reservations no order holds", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    await putProduct(service, "TEE-1", 10);
    const client = testbed.client();
    await client.hincrby("{inventory}:product:MUG-1", "available", -1);
    await client.hincrby("{inventory}:product:TEE-1", "available", -2);
    await client.hincrby("{inventory}:product:TEE-1", "reserved", 2);
    expect(await stockInvariantViolations(client)).toEqual([
      "MUG-1: available 9 + reserved 0 + shipped 0 != received 10",
      "TEE-1: reserved 2 but held by orders 0",
    ]);
  });

  it("finds nothing wrong while orders are being placed: it reads one instant, not key by key", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 1_000);
    const client = testbed.client();
    let placing = true;
    const placed = Promise.all(
      Array.from({ length: 100 }, () => placeOrder(service, [{ sku: "MUG-1", quantity: 1 }])),
    ).finally(() => {
      placing = false;
    });
    const seen: string[] = [];
    while (placing) seen.push(...(await stockInvariantViolations(client)));
    await placed;
    expect(seen).toEqual([]);
  });
});
