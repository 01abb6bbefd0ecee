import { examplePayloads } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { bearer, expectError, useMonitoring } from "../../test/harness.js";

const placed = (orderId: string) => ({ ...examplePayloads["order.placed"], orderId });
const created = (orderId: string) => ({ ...examplePayloads["shipment.created"], orderId });

describe("GET /orders/:orderId/timeline", () => {
  const monitoring = useMonitoring();

  it("lists an order's events by occurredAt with the latency of each hop from its cause", async () => {
    const { app } = await monitoring.instance();
    const inventory = monitoring.bus("inventory");
    const shipping = monitoring.bus("shipping");
    const order = await inventory.publish("order.placed", placed("o-9"), { correlationId: "o-9" });
    const shipment = await shipping.publish("shipment.created", created("o-9"), {
      correlationId: "o-9",
      causationId: order.id,
    });
    // caused by the order, not by the shipment published before it
    const low = await inventory.publish("stock.low", examplePayloads["stock.low"], {
      correlationId: "o-9",
      causationId: order.id,
    });
    await inventory.publish("order.placed", placed("o-10"), { correlationId: "o-10" });

    const ms = (iso: string) => Date.parse(iso);
    await vi.waitFor(async () => {
      const response = await app.inject({ method: "GET", url: "/orders/o-9/timeline" });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        orderId: "o-9",
        events: [
          {
            id: order.id,
            type: "order.placed",
            source: "inventory",
            occurredAt: order.occurredAt,
            receivedAt: expect.any(String),
            causationId: null,
            latencyMs: null,
          },
          {
            id: shipment.id,
            type: "shipment.created",
            source: "shipping",
            occurredAt: shipment.occurredAt,
            receivedAt: expect.any(String),
            causationId: order.id,
            latencyMs: ms(shipment.occurredAt) - ms(order.occurredAt),
          },
          {
            id: low.id,
            type: "stock.low",
            source: "inventory",
            occurredAt: low.occurredAt,
            receivedAt: expect.any(String),
            causationId: order.id,
            latencyMs: ms(low.occurredAt) - ms(order.occurredAt),
          },
          // the stock_low alert client-monitoring raised, in the same flow
          expect.objectContaining({
            type: "alert.raised",
            source: "client-monitoring",
            causationId: low.id,
          }),
        ],
      });
    });
    const { events } = (await app.inject({ method: "GET", url: "/orders/o-9/timeline" })).json();
    expect(events[3].latencyMs).toBe(ms(events[3].occurredAt) - ms(low.occurredAt));
    expectError(
      await app.inject({ method: "GET", url: "/orders/o-unknown/timeline" }),
      404,
      "order_not_found",
    );
    expectError(
      await app.inject({ method: "GET", url: "/orders/a%20b/timeline" }),
      400,
      "validation_failed",
    );
  });

  it("files an event under payload.orderId when its correlation id is another", async () => {
    const { app } = await monitoring.instance();
    const shipment = await monitoring
      .bus("shipping")
      .publish("shipment.created", created("o-11"), { correlationId: "req-77" });
    for (const id of ["o-11", "req-77"]) {
      await vi.waitFor(async () => {
        const response = await app.inject({ method: "GET", url: `/orders/${id}/timeline` });
        expect(response.json().events?.map((event: { id: string }) => event.id)).toEqual([
          shipment.id,
        ]);
      });
    }
  });

  it("carries no payload, so no name or address reaches a viewer without pii:read", async () => {
    const { app } = await monitoring.instance();
    await monitoring
      .bus("inventory")
      .publish("order.placed", placed("o-12"), { correlationId: "o-12" });
    const operator = await bearer("ops-1", ["ops:read"]);
    const response = await vi.waitFor(async () => {
      const answer = await app.inject({
        url: "/orders/o-12/timeline",
        headers: { authorization: operator },
      });
      expect(answer.statusCode).toBe(200);
      return answer;
    });
    const { name, line1, city, postalCode } = examplePayloads["order.placed"].shippingAddress;
    for (const personal of [name, line1, city, postalCode])
      expect(response.body).not.toContain(personal);
    expect(response.json().events[0]).not.toHaveProperty("payload");
  });
});
