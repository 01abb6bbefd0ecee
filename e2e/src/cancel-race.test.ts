import { setTimeout as delay } from "node:timers/promises";
import { useRedisServer } from "@retail/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { orderBody, type System, startSystem } from "./system.js";

const ORDERS = 300;
const SKU = "RACE-MUG";
/** Creation → dispatch: tiny, so that the cancels below land on both sides of it. */
const DISPATCH_DELAY_MS = 40;
const FINAL = { timeout: 90_000, interval: 250 };

/** Order status ⇒ the shipment statuses it agrees with (`none`: no shipment ever). */
const AGREES: Record<string, readonly string[]> = {
  cancelled: ["cancelled", "none"],
  delivered: ["delivered"],
  failed: ["failed"],
};
const TERMINAL_EVENTS = ["order.cancelled", "order.delivered", "order.failed"];

describe("cancels racing the dispatch timer", () => {
  const redis = useRedisServer();
  let system: System;

  beforeAll(async () => {
    system = await startSystem(redis().url, {
      env: {
        shipping: {
          SHIPPING_DISPATCH_DELAY_MS: String(DISPATCH_DELAY_MS),
          SHIPPING_DELIVERY_DELAY_MS: "20",
          SHIPPING_TIMER_POLL_MS: "5",
        },
      },
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  const orderOf = async (orderId: string) =>
    (await system.inventory.inject({ url: `/orders/${orderId}` })).json<{ status: string }>();
  const shipmentsOf = async (orderId: string) =>
    (await system.shipping.inject({ url: `/shipments?orderId=${orderId}` })).json<
      { status: string }[]
    >();
  const timelineOf = async (orderId: string) => {
    const response = await system.monitoring.inject({ url: `/orders/${orderId}/timeline` });
    return response.statusCode === 200
      ? response.json<{ events: { type: string }[] }>().events
      : [];
  };

  /** Place one order, then ask to cancel it `afterMs` later; resolves to both answers. */
  async function placeAndCancel(afterMs: number) {
    const placed = await system.inventory.inject({
      method: "POST",
      url: "/orders",
      payload: orderBody("racer", SKU),
    });
    expect(placed.statusCode, placed.body).toBe(201);
    const { orderId } = placed.json<{ orderId: string }>();
    // The moment of the cancel is the scenario's input, not a wait for a condition.
    await delay(afterMs);
    const cancel = await system.inventory.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      payload: { reason: "racing the carrier" },
    });
    return { orderId, cancel: cancel.statusCode, code: cancel.json()?.error?.code };
  }

  it("ends every order in the state its one shipment is in, with the stock adding up", async () => {
    expect(await system.product(SKU, ORDERS)).toBe(201);

    // 0 to 2.5 × the dispatch delay after placing: before the shipment exists, while it
    // is pending, as its timer fires, and after it left.
    const spread = Math.round(DISPATCH_DELAY_MS * 2.5);
    const runs = await Promise.all(
      Array.from({ length: ORDERS }, (_, index) => placeAndCancel((index * 7) % spread)),
    );

    const final = new Map<string, { status: string; shipments: { status: string }[] }>();
    await vi.waitFor(async () => {
      for (const { orderId } of runs) {
        if (final.has(orderId)) continue;
        const [{ status }, shipments] = await Promise.all([orderOf(orderId), shipmentsOf(orderId)]);
        expect(Object.keys(AGREES), `order ${orderId}`).toContain(status);
        // a shipment still on its way is not final either (it can only end delivered)
        for (const shipment of shipments)
          expect(["pending", "dispatched"], `order ${orderId}`).not.toContain(shipment.status);
        final.set(orderId, { status, shipments });
      }
    }, FINAL);

    const disagreements = [...final].flatMap(([orderId, { status, shipments }]) => {
      const shipment = shipments.length === 0 ? "none" : shipments.map((s) => s.status).join("+");
      return AGREES[status]?.includes(shipment) ? [] : [`${orderId}: ${status} / ${shipment}`];
    });
    expect(disagreements).toEqual([]);
    expect(await system.invariantViolations()).toEqual([]);
    const product = (await system.inventory.inject({ url: `/products/${SKU}` })).json();
    expect(product).toMatchObject({ reserved: 0, received: ORDERS });

    // every cancel got an answer a client can act on: accepted for shipping to decide,
    // or refused at once because inventory already knew the parcel had left
    for (const run of runs) {
      expect([202, 409], run.orderId).toContain(run.cancel);
      if (run.cancel === 409) expect(run.code).toBe("already_dispatched");
    }

    // one terminal order.* event per order, and each cancel request answered once
    await vi.waitFor(async () => {
      for (const { orderId, cancel } of runs) {
        const types = (await timelineOf(orderId)).map((event) => event.type);
        const terminal = types.filter((type) => TERMINAL_EVENTS.includes(type));
        expect(terminal, orderId).toHaveLength(1);
        if (cancel !== 202) continue;
        const answers = types.filter(
          (t) => t === "order.cancelled" || t === "order.cancel-refused",
        );
        expect(answers, orderId).toHaveLength(1);
      }
    }, FINAL);
  });
});
