import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { orderBody, type System, type SystemRedis, startSystem } from "./system.js";

const SLOW = { timeout: 20_000, interval: 100 };

/** The shopper of these scenarios, with the token their app would hold. */
const CUSTOMER = "customer-1";
const CUSTOMER_SCOPES = ["orders:write", "orders:read"] as const;

/**
 * The saga's scenarios, on the Redis `redis()` gives once the file's `beforeAll` hooks
 * have run: `saga.test.ts` runs them on a single server, `saga.cluster.test.ts` on a
 * Redis Cluster. `backendTests` adds tests of the backend's own, run while the system is up.
 */
export function describeSaga(
  backend: string,
  redis: () => SystemRedis,
  backendTests: () => void = () => {},
): void {
  describe(`the order saga across the services, on ${backend}`, () => {
    sagaScenarios(redis);
    backendTests();
  });
}

function sagaScenarios(redis: () => SystemRedis): void {
  let system: System;
  /** `authorization` of the customer's own token: they place, follow and cancel their orders. */
  let customer: { authorization: string };
  const placedOrders: string[] = [];

  beforeAll(async () => {
    system = await startSystem(redis());
    customer = { authorization: await system.identity.bearer(CUSTOMER, [...CUSTOMER_SCOPES]) };
  });
  afterAll(async () => {
    await system?.close();
  });
  afterEach(async () => {
    // after every scenario: the stock adds up, and no order has two shipments
    expect(await system.invariantViolations()).toEqual([]);
    for (const orderId of placedOrders.splice(0)) {
      const response = await system.shipping.inject({ url: `/shipments?orderId=${orderId}` });
      expect(response.json().length).toBeLessThanOrEqual(1);
    }
  });

  async function product(sku: string, available: number) {
    expect(await system.product(sku, available, 1_250)).toBeLessThan(300);
  }

  async function placeOrder(
    sku: string,
    quantity: number,
    country = "DE",
    headers = {},
    by: { customerId: string; authorization: string } = { customerId: CUSTOMER, ...customer },
  ) {
    const response = await system.inventory.inject({
      method: "POST",
      url: "/orders",
      headers: { authorization: by.authorization, ...headers },
      payload: orderBody(by.customerId, sku, quantity, country),
    });
    if (response.statusCode === 201) placedOrders.push(response.json().orderId);
    return response;
  }

  /** An order as its customer sees it; `{}`: as staff (the harness's default token). */
  const order = async (orderId: string, headers: Record<string, string> = customer) =>
    (await system.inventory.inject({ url: `/orders/${orderId}`, headers })).json();
  const cancel = (orderId: string) =>
    system.inventory.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      headers: customer,
    });
  const stock = async (sku: string) =>
    (await system.inventory.inject({ url: `/products/${sku}` })).json();
  const shipments = async (orderId: string) =>
    (await system.shipping.inject({ url: `/shipments?orderId=${orderId}` })).json();
  const timeline = async (orderId: string) => {
    const response = await system.monitoring.inject({ url: `/orders/${orderId}/timeline` });
    return response.statusCode === 200
      ? (response.json().events as { type: string; latencyMs: number | null }[])
      : [];
  };

  it("takes an order from reserved to delivered, hop by hop", async () => {
    await product("SAGA-HAPPY", 10);
    const placed = await placeOrder("SAGA-HAPPY", 3);
    expect(placed.statusCode).toBe(201);
    const { orderId } = placed.json();
    expect(placed.json()).toMatchObject({ status: "reserved", totalCents: 3_750 });
    expect(await stock("SAGA-HAPPY")).toMatchObject({ available: 7, reserved: 3, shipped: 0 });

    await vi.waitFor(async () => expect((await order(orderId)).status).toBe("delivered"), SLOW);
    expect(await stock("SAGA-HAPPY")).toMatchObject({ available: 7, reserved: 0, shipped: 3 });
    expect(await shipments(orderId)).toEqual([expect.objectContaining({ status: "delivered" })]);

    const hops = [
      "order.placed",
      "shipment.created",
      "shipment.dispatched",
      "reservation.committed",
      "shipment.delivered",
      "order.delivered",
    ];
    await vi.waitFor(
      async () =>
        expect((await timeline(orderId)).map((hop) => hop.type)).toEqual(
          expect.arrayContaining(hops),
        ),
      SLOW,
    );
    const events = await timeline(orderId);
    expect(events[0]?.type).toBe("order.placed");
    for (const hop of events.slice(1)) expect(hop.latencyMs).toEqual(expect.any(Number));
  });

  it("cancels an order before dispatch: shipping cancels the shipment, then the reservation is released", async () => {
    await product("SAGA-CANCEL", 5);
    const { orderId } = (await placeOrder("SAGA-CANCEL", 2)).json();
    await vi.waitFor(async () => expect(await shipments(orderId)).toHaveLength(1), SLOW);

    const requested = await cancel(orderId);
    expect(requested.statusCode).toBe(202);
    expect(requested.json()).toMatchObject({ orderId, status: "cancel_requested" });

    await vi.waitFor(async () => expect((await order(orderId)).status).toBe("cancelled"), SLOW);
    expect((await shipments(orderId))[0]?.status).toBe("cancelled");
    expect(await stock("SAGA-CANCEL")).toMatchObject({ available: 5, reserved: 0, shipped: 0 });
    await vi.waitFor(
      async () =>
        expect((await timeline(orderId)).map((hop) => hop.type)).toEqual(
          expect.arrayContaining([
            "order.cancel-requested",
            "shipment.cancelled",
            "reservation.released",
            "order.cancelled",
          ]),
        ),
      SLOW,
    );
  });

  it("refuses to cancel once dispatched", async () => {
    await product("SAGA-LATE", 5);
    const { orderId } = (await placeOrder("SAGA-LATE", 1)).json();
    await vi.waitFor(
      async () => expect(["dispatched", "delivered"]).toContain((await order(orderId)).status),
      SLOW,
    );
    const refused = await cancel(orderId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe("already_dispatched");
  });

  it("keeps an order to its customer: another customer can neither see nor cancel it, and nobody without a token", async () => {
    await product("SAGA-MINE", 5);
    const { orderId } = (await placeOrder("SAGA-MINE", 1)).json();
    const stranger = {
      authorization: await system.identity.bearer("customer-2", [...CUSTOMER_SCOPES]),
    };
    const seen = await system.inventory.inject({ url: `/orders/${orderId}`, headers: stranger });
    expect(seen.statusCode).toBe(404);
    const cancelled = await system.inventory.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      headers: stranger,
    });
    expect(cancelled.statusCode).toBe(404);
    const anonymous = await system.inventory.inject({
      url: `/orders/${orderId}`,
      headers: { authorization: "" },
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await order(orderId)).orderId).toBe(orderId);
  });

  it("compensates a shipment that fails (unsupported country): reservation released, order failed", async () => {
    await product("SAGA-FAIL", 4);
    const { orderId } = (await placeOrder("SAGA-FAIL", 2, "AQ")).json();
    await vi.waitFor(async () => expect((await order(orderId)).status).toBe("failed"), SLOW);
    expect(await stock("SAGA-FAIL")).toMatchObject({ available: 4, reserved: 0, shipped: 0 });
    expect(await shipments(orderId)).toEqual([
      expect.objectContaining({ status: "failed", reason: "unsupported_country" }),
    ]);
  });

  it("rejects an order it cannot fill with 409, reserving nothing", async () => {
    await product("SAGA-SHORT", 1);
    const rejected = await placeOrder("SAGA-SHORT", 2);
    expect(rejected.statusCode).toBe(409);
    expect(rejected.json().error.code).toBe("out_of_stock");
    expect(await stock("SAGA-SHORT")).toMatchObject({ available: 1, reserved: 0, shipped: 0 });
  });

  it("places one order for the same Idempotency-Key sent twice", async () => {
    await product("SAGA-IDEM", 5);
    const headers = { "idempotency-key": "checkout-7f3a" };
    const first = await placeOrder("SAGA-IDEM", 1, "DE", headers);
    const second = await placeOrder("SAGA-IDEM", 1, "DE", headers);
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.json()).toEqual(first.json());
    expect(await stock("SAGA-IDEM")).toMatchObject({ available: 4, reserved: 1 });
    await vi.waitFor(
      async () => expect((await order(first.json().orderId)).status).toBe("delivered"),
      SLOW,
    );
  });

  it("accepts exactly 50 of 200 concurrent orders for the last 50 units, and ships each once", async () => {
    await product("SAGA-RUSH", 50);
    // 200 shoppers at once, each with their own token (one customer may not flood inventory)
    const shoppers = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => ({
        customerId: `rush-${index}`,
        authorization: await system.identity.bearer(`rush-${index}`, [...CUSTOMER_SCOPES]),
      })),
    );
    const responses = await Promise.all(
      shoppers.map((shopper) => placeOrder("SAGA-RUSH", 1, "DE", {}, shopper)),
    );
    const accepted = responses.filter((response) => response.statusCode === 201);
    expect(accepted).toHaveLength(50);
    expect(responses.filter((response) => response.statusCode === 409)).toHaveLength(150);
    expect(await stock("SAGA-RUSH")).toMatchObject({ available: 0 });

    await vi.waitFor(
      async () => {
        const statuses = await Promise.all(
          accepted.map(async (response) => (await order(response.json().orderId, {})).status),
        );
        expect(statuses.every((status) => status === "delivered")).toBe(true);
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(await stock("SAGA-RUSH")).toMatchObject({ available: 0, reserved: 0, shipped: 50 });
  });
}
