import { describe, expect, it, vi } from "vitest";
import { anOrder, useShippingTestbed } from "../test/testbed.js";
import { cancelledOrderKey, PROCESSED_KEY, shipmentByOrderKey, TIMERS_KEY } from "./keys.js";

describe("order.placed", () => {
  const testbed = useShippingTestbed();

  it("creates one pending shipment with a carrier and tracking number, and publishes shipment.created", async () => {
    const shipping = await testbed.service({ SHIPPING_CARRIERS: "dhl,ups" });
    const placed = await testbed.inventory().publish("order.placed", anOrder("ord-1", "DE"));

    const shipment = await vi.waitFor(async () => {
      const found = await shipping.store.findByOrder("ord-1");
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

    const created = await testbed.events("shipment.created");
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
    const timers = await testbed.client().zrange(TIMERS_KEY, "0", "-1");
    expect(timers).toEqual([`${shipment?.shipmentId}|dispatch`]);
  });

  it("creates the shipment once when the same order.placed is delivered twice", async () => {
    const shipping = await testbed.service();
    const inventory = testbed.inventory();
    const first = await inventory.publish("order.placed", anOrder("ord-1"));
    // a publisher retrying after a timeout sends the same event id again
    await inventory.publish("order.placed", anOrder("ord-1"), { eventId: first.id });
    // and a faulty one the same order under a new id
    const again = await inventory.publish("order.placed", anOrder("ord-1"));
    await testbed.drained(shipping, "order.placed");

    expect(await testbed.events("shipment.created")).toHaveLength(1);
    const client = testbed.client();
    expect(await client.zscore(PROCESSED_KEY, first.id)).not.toBeNull();
    expect(await client.zscore(PROCESSED_KEY, again.id)).not.toBeNull();
    const shipment = await shipping.store.findByOrder("ord-1");
    expect(shipment?.lastEventId).toBe((await testbed.events("shipment.created"))[0]?.id);
  });

  it("creates exactly one shipment per order when two instances share the group", async () => {
    const instances = [await testbed.service(), await testbed.service()];
    const inventory = testbed.inventory();
    const orderIds = Array.from({ length: 30 }, (_, index) => `ord-${index}`);
    for (const orderId of orderIds) {
      const placed = await inventory.publish("order.placed", anOrder(orderId));
      // every other order is sent twice, as a redelivery would
      if (orderId.endsWith("0"))
        await inventory.publish("order.placed", anOrder(orderId), { eventId: placed.id });
    }
    for (const instance of instances) await testbed.drained(instance, "order.placed");

    const created = await testbed.events("shipment.created");
    expect(created.map((event) => event.payload.orderId).sort()).toEqual([...orderIds].sort());
    expect(new Set(created.map((event) => event.payload.shipmentId)).size).toBe(orderIds.length);
    const client = testbed.client();
    for (const orderId of orderIds) {
      const shipmentId = await client.get(shipmentByOrderKey(orderId));
      expect(created.find((event) => event.payload.orderId === orderId)?.payload.shipmentId).toBe(
        shipmentId,
      );
    }
  });

  it("fails a shipment to a country it does not serve and publishes shipment.failed, not shipment.created", async () => {
    const shipping = await testbed.service({ SHIPPING_COUNTRIES: "de, fr" });
    await testbed.inventory().publish("order.placed", anOrder("ord-1", "GB"));
    await testbed.drained(shipping, "order.placed");

    const shipment = await shipping.store.findByOrder("ord-1");
    expect(shipment).toMatchObject({
      status: "failed",
      reason: "unsupported_country",
      destinationCountry: "GB",
    });
    expect(shipment?.history.map((entry) => entry.status)).toEqual(["failed"]);
    const failed = await testbed.events("shipment.failed");
    expect(failed.map((event) => event.payload)).toEqual([
      {
        shipmentId: shipment?.shipmentId,
        orderId: "ord-1",
        reason: "unsupported_country",
        failedAt: shipment?.createdAt,
      },
    ]);
    expect(await testbed.events("shipment.created")).toEqual([]);
    expect(await testbed.client().zcard(TIMERS_KEY)).toBe(0);
  });
});

describe("order.cancelled", () => {
  const testbed = useShippingTestbed();

  it("cancels a pending shipment: status cancelled, timers removed, shipment.cancelled published", async () => {
    const shipping = await testbed.service();
    const inventory = testbed.inventory();
    await inventory.publish("order.placed", anOrder("ord-1"));
    await testbed.drained(shipping, "order.placed");
    const cancel = await inventory.publish("order.cancelled", {
      orderId: "ord-1",
      reason: "Wrong size",
      cancelledAt: new Date().toISOString(),
    });
    await testbed.drained(shipping, "order.cancelled");

    const shipment = await shipping.store.findByOrder("ord-1");
    expect(shipment).toMatchObject({ status: "cancelled", reason: "order_cancelled" });
    expect(shipment?.history.map((entry) => entry.status)).toEqual(["pending", "cancelled"]);
    expect(await testbed.client().zcard(TIMERS_KEY)).toBe(0);
    const cancelled = await testbed.events("shipment.cancelled");
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.payload).toEqual({
      shipmentId: shipment?.shipmentId,
      orderId: "ord-1",
      reason: "order_cancelled",
      cancelledAt: shipment?.updatedAt,
    });
    expect(cancelled[0]?.causationId).toBe(cancel.id);
  });

  it("leaves a dispatched shipment as it is when its order is cancelled afterwards", async () => {
    const shipping = await testbed.service();
    const inventory = testbed.inventory();
    await inventory.publish("order.placed", anOrder("ord-1"));
    await testbed.drained(shipping, "order.placed");
    const pending = await shipping.store.findByOrder("ord-1");
    if (!pending) throw new Error("no shipment");
    expect((await shipping.store.advance(pending, "dispatch")).outcome).toBe("applied");

    await inventory.publish("order.cancelled", {
      orderId: "ord-1",
      reason: "Too late",
      cancelledAt: new Date().toISOString(),
    });
    await testbed.drained(shipping, "order.cancelled");

    const shipment = await shipping.store.findByOrder("ord-1");
    expect(shipment?.status).toBe("dispatched");
    expect(await testbed.events("shipment.cancelled")).toEqual([]);
    // the delivery timer still runs
    expect(await testbed.client().zrange(TIMERS_KEY, "0", "-1")).toEqual([
      `${shipment?.shipmentId}|deliver`,
    ]);
  });

  it("creates the shipment cancelled when the order.cancelled arrived before its order.placed", async () => {
    const shipping = await testbed.service();
    const inventory = testbed.inventory();
    await inventory.publish("order.cancelled", {
      orderId: "ord-1",
      reason: "Changed my mind",
      cancelledAt: new Date().toISOString(),
    });
    await testbed.drained(shipping, "order.cancelled");
    const client = testbed.client();
    expect(await client.pttl(cancelledOrderKey("ord-1"))).toBeGreaterThan(0);
    expect(await shipping.store.findByOrder("ord-1")).toBeUndefined();

    await inventory.publish("order.placed", anOrder("ord-1"));
    await testbed.drained(shipping, "order.placed");

    const shipment = await shipping.store.findByOrder("ord-1");
    expect(shipment).toMatchObject({ status: "cancelled", reason: "order_cancelled" });
    expect(shipment?.history.map((entry) => entry.status)).toEqual(["cancelled"]);
    expect((await testbed.events("shipment.cancelled")).map((event) => event.payload)).toEqual([
      {
        shipmentId: shipment?.shipmentId,
        orderId: "ord-1",
        reason: "order_cancelled",
        cancelledAt: shipment?.createdAt,
      },
    ]);
    expect(await testbed.events("shipment.created")).toEqual([]);
    expect(await client.zcard(TIMERS_KEY)).toBe(0);
    expect(await client.exists(cancelledOrderKey("ord-1"))).toBe(0);
  });
});
