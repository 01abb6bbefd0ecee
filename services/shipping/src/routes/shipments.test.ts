import { errorBodySchema } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { anOrder, useShippingHarness } from "../../test/harness.js";
import { TIMERS_KEY } from "../keys.js";
import type { ShippingService } from "../service.js";
import { shipmentSchema } from "../shipment.js";

describe("HTTP API", () => {
  const harness = useShippingHarness();

  const pendingShipment = (shipping: ShippingService, orderId = "ord-1", country = "GB") =>
    harness.placed(shipping, anOrder(orderId, country), { correlationId: `cor-${orderId}` });

  it("GET /shipments/:id answers the shipment, and 404 shipment_not_found for an unknown id", async () => {
    const shipping = await harness.service();
    const shipment = await pendingShipment(shipping);

    const found = await shipping.app.inject({ url: `/shipments/${shipment.shipmentId}` });
    expect(found.statusCode).toBe(200);
    const body = shipmentSchema.strict().parse(found.json());
    expect(body).toEqual({
      shipmentId: shipment.shipmentId,
      orderId: "ord-1",
      status: "pending",
      carrier: shipment.carrier,
      trackingNumber: shipment.trackingNumber,
      destinationCountry: "GB",
      history: [{ status: "pending", at: shipment.createdAt }],
      createdAt: shipment.createdAt,
      updatedAt: shipment.createdAt,
    });

    const missing = await shipping.app.inject({ url: "/shipments/shp_nope" });
    expect(missing.statusCode).toBe(404);
    expect(errorBodySchema.parse(missing.json()).error).toMatchObject({
      code: "shipment_not_found",
      details: { shipmentId: "shp_nope" },
    });
  });

  it("GET /shipments?orderId= lists the order's shipment, an empty list for an unknown order, 400 without orderId", async () => {
    const shipping = await harness.service({ SHIPPING_COUNTRIES: "DE" });
    const failed = await pendingShipment(shipping, "ord-1", "GB");

    const listed = await shipping.app.inject({ url: "/shipments?orderId=ord-1" });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([
      expect.objectContaining({
        shipmentId: failed.shipmentId,
        status: "failed",
        reason: "unsupported_country",
      }),
    ]);
    const none = await shipping.app.inject({ url: "/shipments?orderId=ord-unknown" });
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual([]);

    const withoutOrder = await shipping.app.inject({ url: "/shipments" });
    expect(withoutOrder.statusCode).toBe(400);
    expect(errorBodySchema.parse(withoutOrder.json()).error.code).toBe("validation_failed");
  });

  it("POST /shipments/:id/dispatch dispatches a pending shipment, publishes it and reschedules the timers", async () => {
    const shipping = await harness.service();
    const shipment = await pendingShipment(shipping);

    const response = await shipping.app.inject({
      method: "POST",
      url: `/shipments/${shipment.shipmentId}/dispatch`,
    });
    expect(response.statusCode).toBe(200);
    const body = shipmentSchema.parse(response.json());
    expect(body.status).toBe("dispatched");
    expect(body.history.map((entry) => entry.status)).toEqual(["pending", "dispatched"]);
    expect(body).toEqual(
      shipmentSchema.parse(
        (await shipping.app.inject({ url: `/shipments/${shipment.shipmentId}` })).json(),
      ),
    );
    const dispatched = await harness.events("shipment.dispatched");
    expect(dispatched.map((event) => event.payload)).toEqual([
      {
        shipmentId: shipment.shipmentId,
        orderId: "ord-1",
        carrier: shipment.carrier,
        trackingNumber: shipment.trackingNumber,
        dispatchedAt: body.updatedAt,
      },
    ]);
    expect(dispatched[0]?.correlationId).toBe("cor-ord-1");
    const timers = await harness.client().zrange(TIMERS_KEY, "0", "-1", "WITHSCORES");
    expect(timers).toEqual([
      `${shipment.shipmentId}|deliver`,
      String(Date.parse(body.updatedAt) + 60_000),
    ]);
  });

  it("POST /shipments/:id/deliver delivers a dispatched shipment and clears its timers", async () => {
    const shipping = await harness.service();
    const { shipmentId } = await pendingShipment(shipping);
    await shipping.app.inject({ method: "POST", url: `/shipments/${shipmentId}/dispatch` });

    const response = await shipping.app.inject({
      method: "POST",
      url: `/shipments/${shipmentId}/deliver`,
      headers: { "content-type": "application/json" },
      payload: "{}",
    });
    expect(response.statusCode).toBe(200);
    expect(shipmentSchema.parse(response.json()).history.map((entry) => entry.status)).toEqual([
      "pending",
      "dispatched",
      "delivered",
    ]);
    expect(await harness.events("shipment.delivered")).toHaveLength(1);
    expect(await harness.client().zcard(TIMERS_KEY)).toBe(0);
  });

  it("answers 409 invalid_shipment_state, with the current status, for a step the shipment is not ready for", async () => {
    const shipping = await harness.service();
    const { shipmentId } = await pendingShipment(shipping);
    const post = (step: string) =>
      shipping.app.inject({ method: "POST", url: `/shipments/${shipmentId}/${step}` });

    const early = await post("deliver");
    expect(early.statusCode).toBe(409);
    expect(errorBodySchema.parse(early.json()).error).toMatchObject({
      code: "invalid_shipment_state",
      details: { shipmentId, status: "pending", expected: "dispatched" },
    });
    expect((await post("dispatch")).statusCode).toBe(200);
    const twice = await post("dispatch");
    expect(twice.statusCode).toBe(409);
    expect(errorBodySchema.parse(twice.json()).error.details).toMatchObject({
      status: "dispatched",
    });
    expect((await post("deliver")).statusCode).toBe(200);
    expect((await post("deliver")).statusCode).toBe(409);
    expect(await harness.events("shipment.dispatched")).toHaveLength(1);
    expect(await harness.events("shipment.delivered")).toHaveLength(1);

    const cancelled = await pendingShipment(shipping, "ord-2");
    await harness.cancelRequested(shipping, "ord-2");
    const afterCancel = await shipping.app.inject({
      method: "POST",
      url: `/shipments/${cancelled.shipmentId}/dispatch`,
    });
    expect(afterCancel.statusCode).toBe(409);
    expect(errorBodySchema.parse(afterCancel.json()).error.details).toMatchObject({
      status: "cancelled",
    });
  });

  it("answers 404 shipment_not_found for a step on an unknown shipment", async () => {
    const shipping = await harness.service();
    for (const step of ["dispatch", "deliver"]) {
      const response = await shipping.app.inject({
        method: "POST",
        url: `/shipments/shp_nope/${step}`,
      });
      expect(response.statusCode).toBe(404);
      expect(errorBodySchema.parse(response.json()).error.code).toBe("shipment_not_found");
    }
  });

  it("documents every route, with its responses, in the OpenAPI document", async () => {
    const shipping = await harness.service();
    const document = (await shipping.app.inject({ url: "/docs/json" })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.paths["/shipments/{id}"]?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "404"]),
    );
    expect(Object.keys(document.paths["/shipments"]?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "400"]),
    );
    for (const step of ["dispatch", "deliver"])
      expect(Object.keys(document.paths[`/shipments/{id}/${step}`]?.post?.responses ?? {})).toEqual(
        expect.arrayContaining(["200", "404", "409"]),
      );
  });

  it("is ready once Redis answers and the bus reads", async () => {
    const shipping = await harness.service();
    const response = await shipping.app.inject({ url: "/health/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready", checks: { redis: "ok", bus: "ok" } });
  });
});
