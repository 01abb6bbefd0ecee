import { describe, expect, it } from "vitest";
import { eventsOf, expectStockInvariant, useInventoryTestbed } from "../test/harness.js";
import { DEMO_CATALOG } from "./seed.js";

describe("demo catalog seeding", () => {
  const testbed = useInventoryTestbed();

  it("seeds the demo catalog once, whether two instances start together or one restarts", async () => {
    const [first, second] = await Promise.all([
      testbed.service({ SEED_DEMO_CATALOG: "true" }),
      testbed.service({ SEED_DEMO_CATALOG: "true" }),
    ]);
    if (!first || !second) throw new Error("services missing");
    const listed = await first.app.inject({ method: "GET", url: "/products" });
    const skus = listed.json<{ sku: string }[]>().map((product) => product.sku);
    expect(skus).toEqual(DEMO_CATALOG.map((product) => product.sku).sort());

    // an operator changes stock, then an instance restarts: nothing is seeded over it
    await first.app.inject({
      method: "POST",
      url: "/products/MUG-CERAMIC-350/restock",
      payload: { quantity: 5 },
    });
    await first.app.close();
    await first.close();
    const restarted = await testbed.service({ SEED_DEMO_CATALOG: "true" });
    const mug = await restarted.app.inject({ method: "GET", url: "/products/MUG-CERAMIC-350" });
    expect(mug.json()).toMatchObject({ available: 205, received: 205 });

    // the low demo SKU raised exactly one stock.low
    const lows = await eventsOf(testbed.client(), "stock.low");
    expect(lows.map((event) => event.payload.sku)).toEqual(["WATCH-SMART-S2"]);
    await expectStockInvariant(testbed.client());
  });

  it("keeps a product an operator created before the first seeding", async () => {
    const service = await testbed.service();
    await service.app.inject({
      method: "PUT",
      url: "/products/MUG-CERAMIC-350",
      payload: { name: "Our own mug", priceCents: 1_234, available: 3 },
    });
    const seeding = await testbed.service({ SEED_DEMO_CATALOG: "true" });
    const mug = await seeding.app.inject({ method: "GET", url: "/products/MUG-CERAMIC-350" });
    expect(mug.json()).toMatchObject({ name: "Our own mug", priceCents: 1_234, available: 3 });
    const listed = await seeding.app.inject({ method: "GET", url: "/products" });
    expect(listed.json()).toHaveLength(DEMO_CATALOG.length);
  });

  it("seeds nothing when SEED_DEMO_CATALOG is false", async () => {
    const service = await testbed.service({ SEED_DEMO_CATALOG: "false" });
    const listed = await service.app.inject({ method: "GET", url: "/products" });
    expect(listed.json()).toEqual([]);
    expect(await testbed.client().exists("{inventory}:seeded")).toBe(0);
  });
});
