import { describe, expect, it, vi } from "vitest";
import { aCancelRequest, anOrder, useShippingHarness } from "../test/harness.js";
import {
  cancelledOrderKey,
  PROCESSED_KEY,
  shipmentByOrderKey,
  TIMERS_KEY,
  timerMember,
} from "./keys.js";
import type { ShippingService } from "./service.js";

describe("order.placed", () => {
  const harness = useShippingHarness();

  it("creates one pending shipment with a carrier and tracking number, and publishes shipment.created", async () => {
    const shipping = await harness.service({ SHIPPING_CARRIERS: "dhl,ups" });
    const placed = await harness.inventory().publish("order.placed", anOrder("ord-1", "DE"));

    const shipment = await vi.waitFor(async () => {
      const found = await shipping.expose.store.findByOrder("ord-1");
      expect(found).toBeDefined();
      return found;
    });
    expect(shipment).toMatchObject({
      orderId: "ord-1",
      status: "pending",
      destinationCountry: "DE",
      correlationId: placed.correlationId,
    });
    expect(["dhl", "ups"]).toContain(shipment?.carrier);
    expect(shipment?.trackingNumber).toMatch(/^(DHL|UPS)\d{12}$/);
    expect(shipment?.history).toEqual([{ status: "pending", at: shipment?.createdAt }]);
    expect(shipment?.reason).toBeUndefined();

    const created = await harness.events("shipment.created");
    expect(created).toHaveLength(1);
    expect(created[0]?.payload).toEqual({
      shipmentId: shipment?.shipmentId,
      orderId: "ord-1",
      carrier: shipment?.carrier,
      trackingNumber: shipment?.trackingNumber,
      destinationCountry: "DE",
      createdAt: shipment?.createdAt,
    });
    // the event continues the order's flow
    expect(created[0]).toMatchObject({
      correlationId: placed.correlationId,
      causationId: placed.id,
      source: "shipping",
    });
    const timers = await harness.client().zrange(TIMERS_KEY, "0", "-1");
    expect(timers).toEqual([`${shipment?.shipmentId}|dispatch`]);
  });

  it("creates the shipment once when the same order.placed is delivered twice", async () => {
    const shipping = await harness.service();
    const inventory = harness.inventory();
    const first = await inventory.publish("order.placed", anOrder("ord-1"));
    // a publisher retrying after a timeout sends the same event id again
    await inventory.publish("order.placed", anOrder("ord-1"), { eventId: first.id });
    // and a faulty one the same order under a new id
    const again = await inventory.publish("order.placed", anOrder("ord-1"));
    await harness.drained(shipping, "order.placed");

    expect(await harness.events("shipment.created")).toHaveLength(1);
    const client = harness.client();
    expect(await client.zscore(PROCESSED_KEY, first.id)).not.toBeNull();
    expect(await client.zscore(PROCESSED_KEY, again.id)).not.toBeNull();
    const shipment = await shipping.expose.store.findByOrder("ord-1");
    expect(shipment?.lastEventId).toBe((await harness.events("shipment.created"))[0]?.id);
  });

  it("creates exactly one shipment per order when two instances share the group", async () => {
    const instances = [await harness.service(), await harness.service()];
    const inventory = harness.inventory();
    const orderIds = Array.from({ length: 30 }, (_, index) => `ord-${index}`);
    for (const orderId of orderIds) {
      const placed = await inventory.publish("order.placed", anOrder(orderId));
      // every other order is sent twice, as a redelivery would
      if (orderId.endsWith("0"))
        await inventory.publish("order.placed", anOrder(orderId), { eventId: placed.id });
    }
    for (const instance of instances) await harness.drained(instance, "order.placed");

    const created = await harness.events("shipment.created");
    expect(created.map((event) => event.payload.orderId).sort()).toEqual([...orderIds].sort());
    expect(new Set(created.map((event) => event.payload.shipmentId)).size).toBe(orderIds.length);
    const client = harness.client();
    for (const orderId of orderIds) {
      const shipmentId = await client.get(shipmentByOrderKey(orderId));
      expect(created.find((event) => event.payload.orderId === orderId)?.payload.shipmentId).toBe(
        shipmentId,
      );
    }
  });

  it("fails a shipment to a country it does not serve and publishes shipment.failed, not shipment.created", async () => {
    const shipping = await harness.service({ SHIPPING_COUNTRIES: "de, fr" });
    await harness.inventory().publish("order.placed", anOrder("ord-1", "GB"));
    await harness.drained(shipping, "order.placed");

    const shipment = await shipping.expose.store.findByOrder("ord-1");
    expect(shipment).toMatchObject({
      status: "failed",
      reason: "unsupported_country",
      destinationCountry: "GB",
    });
    expect(shipment?.history.map((entry) => entry.status)).toEqual(["failed"]);
    const failed = await harness.events("shipment.failed");
    expect(failed.map((event) => event.payload)).toEqual([
      {
        shipmentId: shipment?.shipmentId,
        orderId: "ord-1",
        reason: "unsupported_country",
        failedAt: shipment?.createdAt,
      },
    ]);
    expect(await harness.events("shipment.created")).toEqual([]);
    expect(await harness.client().zcard(TIMERS_KEY)).toBe(0);
  });
});

describe("order.cancel-requested", () => {
  const harness = useShippingHarness();

  async function dispatchedShipment(shipping: ShippingService, orderId: string) {
    await harness.inventory().publish("order.placed", anOrder(orderId));
    await harness.drained(shipping, "order.placed");
    const pending = await shipping.expose.store.findByOrder(orderId);
    if (!pending) throw new Error("no shipment");
    expect((await shipping.expose.store.advance(pending, "dispatch")).outcome).toBe("applied");
    return pending.shipmentId;
  }

  it("cancels a pending shipment: status cancelled, timers removed, shipment.cancelled published", async () => {
    const shipping = await harness.service();
    const inventory = harness.inventory();
    await inventory.publish("order.placed", anOrder("ord-1"));
    await harness.drained(shipping, "order.placed");
    const cancel = await inventory.publish("order.cancel-requested", aCancelRequest("ord-1"));
    await harness.drained(shipping, "order.cancel-requested");

    const shipment = await shipping.expose.store.findByOrder("ord-1");
    expect(shipment).toMatchObject({ status: "cancelled", reason: "order_cancelled" });
    expect(shipment?.history.map((entry) => entry.status)).toEqual(["pending", "cancelled"]);
    expect(await harness.client().zcard(TIMERS_KEY)).toBe(0);
    const cancelled = await harness.events("shipment.cancelled");
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.payload).toEqual({
      shipmentId: shipment?.shipmentId,
      orderId: "ord-1",
      reason: "order_cancelled",
      cancelledAt: shipment?.updatedAt,
    });
    // the answer continues the request: its correlation, causation and trace
    expect(cancelled[0]).toMatchObject({
      causationId: cancel.id,
      correlationId: cancel.correlationId,
    });
    expect(cancelled[0]?.traceparent.split("-")[1]).toBe(cancel.traceparent.split("-")[1]);
    expect(await harness.events("shipment.cancel-refused")).toEqual([]);
  });

  it("refuses a cancel for a dispatched shipment with shipment.cancel-refused and lets it go on", async () => {
    const shipping = await harness.service();
    const shipmentId = await dispatchedShipment(shipping, "ord-1");

    const cancel = await harness
      .inventory()
      .publish("order.cancel-requested", aCancelRequest("ord-1"));
    await harness.drained(shipping, "order.cancel-requested");

    expect((await shipping.expose.store.findByOrder("ord-1"))?.status).toBe("dispatched");
    expect(await harness.events("shipment.cancelled")).toEqual([]);
    const [refused, ...more] = await harness.events("shipment.cancel-refused");
    expect(more).toEqual([]);
    expect(refused?.payload).toMatchObject({
      shipmentId,
      orderId: "ord-1",
      reason: "already_dispatched",
      status: "dispatched",
    });
    expect(refused).toMatchObject({ causationId: cancel.id, correlationId: cancel.correlationId });
    expect(refused?.traceparent.split("-")[1]).toBe(cancel.traceparent.split("-")[1]);
    // the delivery timer still runs
    expect(await harness.client().zrange(TIMERS_KEY, "0", "-1")).toEqual([`${shipmentId}|deliver`]);
  });

  it("refuses a cancel for a failed shipment with reason shipment_failed", async () => {
    const shipping = await harness.service({ SHIPPING_COUNTRIES: "DE" });
    const inventory = harness.inventory();
    await inventory.publish("order.placed", anOrder("ord-1", "GB"));
    await harness.drained(shipping, "order.placed");
    await inventory.publish("order.cancel-requested", aCancelRequest("ord-1"));
    await harness.drained(shipping, "order.cancel-requested");

    expect((await shipping.expose.store.findByOrder("ord-1"))?.status).toBe("failed");
    const refusals = await harness.events("shipment.cancel-refused");
    expect(refusals.map((event) => event.payload)).toEqual([
      expect.objectContaining({ reason: "shipment_failed", status: "failed" }),
    ]);
  });

  it("answers a request delivered twice once", async () => {
    const shipping = await harness.service();
    await dispatchedShipment(shipping, "ord-1");
    const inventory = harness.inventory();
    const first = await inventory.publish("order.cancel-requested", aCancelRequest("ord-1"));
    await inventory.publish("order.cancel-requested", aCancelRequest("ord-1"), {
      eventId: first.id,
    });
    await harness.drained(shipping, "order.cancel-requested");

    expect(await harness.events("shipment.cancel-refused")).toHaveLength(1);
    expect(await harness.client().zscore(PROCESSED_KEY, first.id)).not.toBeNull();
  });

  it("decides each cancel racing its dispatch timer one way: cancelled and never dispatched, or dispatched and refused", async () => {
    let clock = Date.now();
    // not started: its own timer loop stays off, and the cancels' handler below fires them
    const shipping = await harness.service(
      { SHIPPING_DISPATCH_DELAY_MS: "1000" },
      { start: false, now: () => clock },
    );
    const { store, cancellations } = shipping.expose;
    const orderIds = Array.from({ length: 40 }, (_, index) => `ord-${index}`);
    const timers = new Map<string, string>();
    for (const orderId of orderIds) {
      const { shipmentId } = await harness.createShipment(shipping, anOrder(orderId));
      timers.set(orderId, timerMember(shipmentId, "dispatch"));
    }
    clock += 1_000; // every dispatch timer is due now
    // Each cancel is handled while its timer fires, as shipping's handler and another
    // instance's timer loop would. The scenario's input is how many Redis round trips
    // after the decision starts the timer fires (0 to 3): on either side of each of the
    // decision's steps.
    await harness.handling("order.cancel-requested", async (event, context) => {
      const { orderId } = event.payload;
      const decided = cancellations.decide(event, context);
      for (let round = 0; round < orderIds.indexOf(orderId) % 4; round += 1)
        await shipping.redis.ping();
      await Promise.all([decided, store.fireTimer(timers.get(orderId) ?? "")]);
    });
    const inventory = harness.inventory();
    await Promise.all(
      orderIds.map((orderId) =>
        inventory.publish("order.cancel-requested", aCancelRequest(orderId)),
      ),
    );
    await harness.drained(shipping, "order.cancel-requested");

    const ordersOf = async (
      topic: "shipment.dispatched" | "shipment.cancelled" | "shipment.cancel-refused",
    ) => new Set((await harness.events(topic)).map((event) => event.payload.orderId));
    const dispatched = await ordersOf("shipment.dispatched");
    const cancelled = await ordersOf("shipment.cancelled");
    const refused = await ordersOf("shipment.cancel-refused");
    for (const orderId of orderIds) {
      const status = (await shipping.expose.store.findByOrder(orderId))?.status;
      if (status === "cancelled") {
        expect([dispatched.has(orderId), cancelled.has(orderId), refused.has(orderId)]).toEqual([
          false,
          true,
          false,
        ]);
      } else {
        expect(status).toBe("dispatched");
        expect([dispatched.has(orderId), cancelled.has(orderId), refused.has(orderId)]).toEqual([
          true,
          false,
          true,
        ]);
      }
    }
  });

  it("creates the shipment cancelled when the request arrived before its order.placed", async () => {
    const shipping = await harness.service();
    const inventory = harness.inventory();
    await inventory.publish("order.cancel-requested", aCancelRequest("ord-1", "Changed my mind"));
    await harness.drained(shipping, "order.cancel-requested");
    const client = harness.client();
    expect(await client.pttl(cancelledOrderKey("ord-1"))).toBeGreaterThan(0);
    expect(await shipping.expose.store.findByOrder("ord-1")).toBeUndefined();

    await inventory.publish("order.placed", anOrder("ord-1"));
    await harness.drained(shipping, "order.placed");

    const shipment = await shipping.expose.store.findByOrder("ord-1");
    expect(shipment).toMatchObject({ status: "cancelled", reason: "order_cancelled" });
    expect(shipment?.history.map((entry) => entry.status)).toEqual(["cancelled"]);
    expect((await harness.events("shipment.cancelled")).map((event) => event.payload)).toEqual([
      {
        shipmentId: shipment?.shipmentId,
        orderId: "ord-1",
        reason: "order_cancelled",
        cancelledAt: shipment?.createdAt,
      },
    ]);
    expect(await harness.events("shipment.created")).toEqual([]);
    expect(await client.zcard(TIMERS_KEY)).toBe(0);
    expect(await client.exists(cancelledOrderKey("ord-1"))).toBe(0);
  });
});
