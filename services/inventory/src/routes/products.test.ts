import { describe, expect, it } from "vitest";
import {
  eventsOf,
  expectStockInvariant,
  getProduct,
  putProduct,
  useInventoryTestbed,
} from "../../test/harness.js";

describe("products", () => {
  const testbed = useInventoryTestbed();

  it("creates a product with PUT (201), then replaces it (200) and moves received by the difference", async () => {
    const service = await testbed.service();
    const created = await putProduct(service, "MUG-1", 10, 899, { name: "Mug" });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      sku: "MUG-1",
      name: "Mug",
      priceCents: 899,
      available: 10,
      reserved: 0,
      shipped: 0,
      received: 10,
    });

    const updated = await putProduct(service, "MUG-1", 4, 999, { name: "Big mug" });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      name: "Big mug",
      priceCents: 999,
      available: 4,
      received: 4,
    });
    await expectStockInvariant(testbed.client());
  });

  it("announces a changed price of an existing product with product.price-changed, and nothing else", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10, 899, { name: "Mug" });
    await putProduct(service, "MUG-1", 10, 899, { name: "Mug, renamed" });
    const changed = await putProduct(service, "MUG-1", 10, 999, { name: "Mug" });
    expect(changed.statusCode).toBe(200);
    const events = await eventsOf(testbed.client(), "product.price-changed");
    expect(events.map((event) => event.payload)).toEqual([
      { sku: "MUG-1", previousPriceCents: 899, priceCents: 999, changedAt: expect.any(String) },
    ]);
    expect(events[0]?.correlationId).toBe(changed.headers["x-correlation-id"]);
  });

  it("lists products ordered by SKU, page by page with after and limit", async () => {
    const service = await testbed.service();
    for (const sku of ["C-3", "A-1", "B-2"]) await putProduct(service, sku, 10);
    const all = await service.app.inject({ method: "GET", url: "/products" });
    expect(all.json<{ sku: string }[]>().map((product) => product.sku)).toEqual([
      "A-1",
      "B-2",
      "C-3",
    ]);
    const page = await service.app.inject({ method: "GET", url: "/products?after=A-1&limit=1" });
    expect(page.json<{ sku: string }[]>().map((product) => product.sku)).toEqual(["B-2"]);
  });

  it("answers 404 product_not_found for an unknown SKU and 400 for a malformed one", async () => {
    const service = await testbed.service();
    const missing = await service.app.inject({ method: "GET", url: "/products/NOPE" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: "product_not_found" } });
    const malformed = await service.app.inject({ method: "GET", url: "/products/%20bad%20" });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("rejects an invalid product body with 400 validation_failed naming the field", async () => {
    const service = await testbed.service();
    const response = await service.app.inject({
      method: "PUT",
      url: "/products/MUG-1",
      payload: { name: "Mug", priceCents: -1, available: 1.5 },
    });
    expect(response.statusCode).toBe(400);
    const paths = response
      .json<{ error: { details: { path: string }[] } }>()
      .error.details.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["priceCents", "available"]));
  });

  it("restocks: adds to available and received and publishes stock.restocked in the same step, with the request's correlation id", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const response = await service.app.inject({
      method: "POST",
      url: "/products/MUG-1/restock",
      payload: { quantity: 5 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ available: 15, received: 15 });
    const [event, ...more] = await eventsOf(testbed.client(), "stock.restocked");
    expect(more).toEqual([]);
    expect(event?.payload).toMatchObject({ sku: "MUG-1", quantity: 5, available: 15 });
    expect(event?.correlationId).toBe(response.headers["x-correlation-id"]);
    await expectStockInvariant(testbed.client());
  });

  it("answers 404 to a restock of an unknown SKU and publishes nothing", async () => {
    const service = await testbed.service();
    const response = await service.app.inject({
      method: "POST",
      url: "/products/NOPE/restock",
      payload: { quantity: 5 },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: "product_not_found" } });
    expect(await eventsOf(testbed.client(), "stock.restocked")).toEqual([]);
    expect(await testbed.client().exists("{inventory}:product:NOPE")).toBe(0);
  });

  it("publishes stock.low once per crossing of the threshold, again only after stock rose above it", async () => {
    const service = await testbed.service({ LOW_STOCK_THRESHOLD: "5" });
    await putProduct(service, "MUG-1", 10);
    await putProduct(service, "MUG-1", 5); // crosses: low
    await putProduct(service, "MUG-1", 3); // still low: no second event
    const stillLow = await service.app.inject({
      method: "POST",
      url: "/products/MUG-1/restock",
      payload: { quantity: 1 },
    }); // 4: still low, no second event either
    expect(stillLow.statusCode, stillLow.body).toBe(200);
    expect((await eventsOf(testbed.client(), "stock.low")).map((event) => event.payload)).toEqual([
      expect.objectContaining({ sku: "MUG-1", available: 5, threshold: 5 }),
    ]);
    await service.app.inject({
      method: "POST",
      url: "/products/MUG-1/restock",
      payload: { quantity: 10 },
    }); // 14: above, flag cleared
    await putProduct(service, "MUG-1", 2); // crosses again
    const lows = await eventsOf(testbed.client(), "stock.low");
    expect(lows.map((event) => event.payload.available)).toEqual([5, 2]);
  });

  it("uses a product's own lowStockThreshold over the service default", async () => {
    const service = await testbed.service({ LOW_STOCK_THRESHOLD: "5" });
    await putProduct(service, "TV-1", 20, 50_000, { lowStockThreshold: 25 });
    const [low] = await eventsOf(testbed.client(), "stock.low");
    expect(low?.payload).toMatchObject({ sku: "TV-1", available: 20, threshold: 25 });
    expect(await getProduct(service, "TV-1")).toMatchObject({ lowStockThreshold: 25 });
  });
});
