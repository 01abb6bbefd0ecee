import { describe, expect, it, vi } from "vitest";
import {
  cancelOrder,
  eventsOf,
  expectStockInvariant,
  getOrder,
  getProduct,
  orderBody,
  placeOrder,
  putProduct,
  STAFF,
  useInventoryTestbed,
  WAIT,
} from "../../test/harness.js";
import { keys } from "../keys.js";
import type { InventoryService } from "../service.js";
import { REPLAYED_HEADER } from "./orders.js";

describe("POST /orders", () => {
  const testbed = useInventoryTestbed();

  it("reserves every line, stores the order and appends order.placed with the order id as correlation id", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10, 899);
    await putProduct(service, "TEE-1", 5, 1_999);
    const response = await placeOrder(service, [
      { sku: "MUG-1", quantity: 3 },
      { sku: "TEE-1", quantity: 1 },
    ]);
    expect(response.statusCode, response.body).toBe(201);
    const placed = response.json<{ orderId: string; totalCents: number }>();
    expect(placed).toMatchObject({
      status: "reserved",
      lines: [
        { sku: "MUG-1", quantity: 3, unitPriceCents: 899 },
        { sku: "TEE-1", quantity: 1, unitPriceCents: 1_999 },
      ],
      totalCents: 3 * 899 + 1_999,
    });
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 7, reserved: 3 });
    expect(await getProduct(service, "TEE-1")).toMatchObject({ available: 4, reserved: 1 });

    const [event, ...more] = await eventsOf(testbed.client(), "order.placed");
    expect(more).toEqual([]);
    expect(event?.correlationId).toBe(placed.orderId);
    expect(event?.partitionKey).toBe(placed.orderId);
    expect(event?.payload).toMatchObject({
      orderId: placed.orderId,
      customerId: "customer-1",
      totalCents: placed.totalCents,
      shippingAddress: { country: "GB" },
    });

    expect(await getOrder(service, placed.orderId)).toMatchObject({
      orderId: placed.orderId,
      customerId: "customer-1",
      status: "reserved",
      reservation: "held",
      totalCents: placed.totalCents,
      shippingAddress: { city: "London" },
    });
    await expectStockInvariant(testbed.client());
  });

  it("refuses an order short on any line with 409 out_of_stock naming the lines, reserves nothing and appends order.rejected", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    await putProduct(service, "TEE-1", 2);
    const response = await placeOrder(service, [
      { sku: "MUG-1", quantity: 3 },
      { sku: "TEE-1", quantity: 5 },
    ]);
    expect(response.statusCode).toBe(409);
    const body = response.json<{
      error: { code: string; details: { orderId: string; lines: unknown[] } };
    }>();
    expect(body.error.code).toBe("out_of_stock");
    expect(body.error.details.lines).toEqual([{ sku: "TEE-1", requested: 5, available: 2 }]);

    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 10, reserved: 0 });
    expect(await getProduct(service, "TEE-1")).toMatchObject({ available: 2, reserved: 0 });
    expect(await eventsOf(testbed.client(), "order.placed")).toEqual([]);
    const [rejected] = await eventsOf(testbed.client(), "order.rejected");
    expect(rejected?.payload).toMatchObject({
      orderId: body.error.details.orderId,
      reason: "out_of_stock",
      lines: [{ sku: "TEE-1", requested: 5, available: 2 }],
    });
    expect(await getOrder(service, body.error.details.orderId)).toMatchObject({
      status: "rejected",
      reservation: "none",
      reason: "out_of_stock",
    });
    await expectStockInvariant(testbed.client());
  });

  it("answers 422 unknown_sku naming the unknown SKUs, and writes nothing", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const response = await placeOrder(service, [
      { sku: "MUG-1", quantity: 1 },
      { sku: "GHOST-1", quantity: 1 },
    ]);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      error: { code: "unknown_sku", details: { skus: ["GHOST-1"] } },
    });
    expect(await testbed.client().zcard("{inventory}:orders")).toBe(0);
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 10, reserved: 0 });
  });

  it("rejects a SKU on two lines with 400 validation_failed (lines are not merged)", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const response = await placeOrder(service, [
      { sku: "MUG-1", quantity: 1 },
      { sku: "MUG-1", quantity: 2 },
    ]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: {
        code: "validation_failed",
        details: [
          { location: "body", path: "lines", message: "each SKU may appear on one line only" },
        ],
      },
    });
  });

  it.each([
    ["an unassigned country code", { country: "ZZ" }],
    ["a lower-case country code", { country: "gb" }],
    ["an empty city", { city: "" }],
  ])("rejects a shipping address with %s (400)", async (_, change) => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const body = orderBody([{ sku: "MUG-1", quantity: 1 }]);
    const response = await service.app.inject({
      method: "POST",
      url: "/orders",
      payload: { ...body, shippingAddress: { ...body.shippingAddress, ...change } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("gives the same response, once, for the same Idempotency-Key and body", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const headers = { "idempotency-key": "checkout-7f3a" };
    const first = await placeOrder(service, [{ sku: "MUG-1", quantity: 2 }], headers);
    const second = await placeOrder(service, [{ sku: "MUG-1", quantity: 2 }], headers);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers[REPLAYED_HEADER]).toBe("true");
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 8, reserved: 2 });
    expect(await eventsOf(testbed.client(), "order.placed")).toHaveLength(1);
    expect(await testbed.client().ttl(keys.idempotency(STAFF, "checkout-7f3a"))).toBeGreaterThan(0);
  });

  it("places one order for concurrent requests with the same Idempotency-Key", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 100);
    const headers = { "idempotency-key": "double-click" };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        placeOrder(service, [{ sku: "MUG-1", quantity: 1 }], headers),
      ),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.body)).size).toBe(1);
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 99, reserved: 1 });
    expect(await eventsOf(testbed.client(), "order.placed")).toHaveLength(1);
  });

  it("repeats a 409 out_of_stock for the same Idempotency-Key, even after a restock", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 1);
    const headers = { "idempotency-key": "too-many-mugs" };
    const first = await placeOrder(service, [{ sku: "MUG-1", quantity: 2 }], headers);
    await service.app.inject({
      method: "POST",
      url: "/products/MUG-1/restock",
      payload: { quantity: 10 },
    });
    const second = await placeOrder(service, [{ sku: "MUG-1", quantity: 2 }], headers);
    expect(first.statusCode).toBe(409);
    expect(second.statusCode).toBe(409);
    expect(second.body).toBe(first.body);
    expect(await eventsOf(testbed.client(), "order.rejected")).toHaveLength(1);
  });

  it("answers 409 idempotency_key_reused for the same key with a different body, and writes nothing", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const headers = { "idempotency-key": "checkout-1" };
    await placeOrder(service, [{ sku: "MUG-1", quantity: 1 }], headers);
    const reused = await placeOrder(service, [{ sku: "MUG-1", quantity: 3 }], headers);
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ error: { code: "idempotency_key_reused" } });
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 9, reserved: 1 });
    expect(await eventsOf(testbed.client(), "order.placed")).toHaveLength(1);
  });

  it("places an order at the price in force when the script ran", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 100, 500);
    const orders = Array.from({ length: 20 }, () =>
      placeOrder(service, [{ sku: "MUG-1", quantity: 1 }]),
    );
    const repricing = putProduct(service, "MUG-1", 100, 700);
    const responses = await Promise.all(orders);
    await repricing;
    for (const response of responses) {
      expect(response.statusCode).toBe(201);
      expect([500, 700]).toContain(response.json<{ totalCents: number }>().totalCents);
    }
    for (const event of await eventsOf(testbed.client(), "order.placed")) {
      const { orderId, totalCents } = event.payload as { orderId: string; totalCents: number };
      const stored = await service.app.inject({ method: "GET", url: `/orders/${orderId}` });
      expect(stored.json<{ totalCents: number }>().totalCents).toBe(totalCents);
    }
    await expectStockInvariant(testbed.client());
  });
});

describe("GET /orders/:orderId", () => {
  const testbed = useInventoryTestbed();

  it("answers 404 order_not_found for an unknown id", async () => {
    const service = await testbed.service();
    const response = await service.app.inject({ method: "GET", url: "/orders/no-such-order" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: "order_not_found" } });
  });
});

describe("POST /orders/:orderId/cancel", () => {
  const testbed = useInventoryTestbed();

  async function reservedOrder(service: InventoryService, quantity = 4) {
    await putProduct(service, "MUG-1", 10);
    const placed = await placeOrder(service, [{ sku: "MUG-1", quantity }]);
    return placed.json<{ orderId: string }>().orderId;
  }

  it("asks shipping to cancel a reserved order: 202 cancel_requested and order.cancel-requested, nothing released yet", async () => {
    const service = await testbed.service();
    const orderId = await reservedOrder(service);
    const response = await service.app.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      payload: { reason: "changed my mind" },
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toEqual({ orderId, status: "cancel_requested" });
    expect(await getOrder(service, orderId)).toMatchObject({
      status: "cancel_requested",
      reservation: "held",
      cancel: "requested",
      cancelReason: "changed my mind",
    });
    // shipping owns the dispatch: the units stay reserved until it answers
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 6, reserved: 4 });
    const [requested, ...more] = await eventsOf(testbed.client(), "order.cancel-requested");
    expect(more).toEqual([]);
    expect(requested?.payload).toMatchObject({ orderId, reason: "changed my mind" });
    expect(requested?.correlationId).toBe(orderId);
    expect(await eventsOf(testbed.client(), "order.cancelled")).toEqual([]);
    expect(await eventsOf(testbed.client(), "reservation.released")).toEqual([]);
    await expectStockInvariant(testbed.client());
  });

  it("answers 202 to every one of racing or repeated cancels and publishes one request", async () => {
    const service = await testbed.service();
    const orderId = await reservedOrder(service);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` }),
      ),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(8).fill(202));
    const again = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(again.json()).toEqual({ orderId, status: "cancel_requested" });
    const requests = await eventsOf(testbed.client(), "order.cancel-requested");
    expect(requests.map((event) => event.payload.reason)).toEqual(["cancelled on request"]);
  });

  it("answers 200 cancelled for an order shipping already cancelled, asking nothing new", async () => {
    const service = await testbed.service();
    const orderId = await reservedOrder(service);
    await cancelOrder(service, testbed.bus("shipping"), orderId);
    const response = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ orderId, status: "cancelled" });
    expect(await eventsOf(testbed.client(), "order.cancel-requested")).toHaveLength(1);
  });

  it("answers 409 already_dispatched once shipping refused, without asking again", async () => {
    const service = await testbed.service();
    const orderId = await reservedOrder(service);
    const first = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(first.statusCode).toBe(202);
    await testbed.bus("shipping").publish(
      "shipment.cancel-refused",
      {
        shipmentId: `shp-${orderId}`,
        orderId,
        reason: "already_dispatched",
        status: "dispatched",
        refusedAt: new Date().toISOString(),
      },
      { correlationId: orderId },
    );
    await vi.waitFor(
      async () => expect((await getOrder(service, orderId)).cancel).toBe("refused"),
      WAIT,
    );
    const second = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({
      error: {
        code: "already_dispatched",
        details: { orderId, status: "reserved", refused: "already_dispatched" },
      },
    });
    expect(await eventsOf(testbed.client(), "order.cancel-requested")).toHaveLength(1);
  });

  it("answers 404 order_not_found for an unknown order", async () => {
    const service = await testbed.service();
    const response = await service.app.inject({ method: "POST", url: "/orders/nope/cancel" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: "order_not_found" } });
  });

  it("answers 409 order_not_cancellable for a rejected order", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 1);
    const rejected = await placeOrder(service, [{ sku: "MUG-1", quantity: 2 }]);
    const { orderId } = rejected.json<{ error: { details: { orderId: string } } }>().error.details;
    const response = await service.app.inject({ method: "POST", url: `/orders/${orderId}/cancel` });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: { code: "order_not_cancellable", details: { orderId, status: "rejected" } },
    });
  });

  it("rejects a cancel body that is not an object with a text reason (400)", async () => {
    const service = await testbed.service();
    const response = await service.app.inject({
      method: "POST",
      url: "/orders/some-order/cancel",
      payload: { reason: 42 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "validation_failed" } });
  });
});
