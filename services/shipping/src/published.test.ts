import { describe, expect, it } from "vitest";
import { anOrder, useShippingTestbed } from "../test/harness.js";
import type { ShippingService } from "./service.js";

/** `bus_events_published_total` by topic, as the service's `/metrics` route shows it. */
async function publishedByTopic(service: ShippingService): Promise<Record<string, number>> {
  const response = await service.app.inject({ method: "GET", url: "/metrics" });
  const counts: Record<string, number> = {};
  for (const [, topic, value] of response.body.matchAll(
    /^bus_events_published_total\{[^}]*topic="([^"]+)"[^}]*\} (\d+)$/gm,
  ))
    counts[topic as string] = Number(value);
  return counts;
}

describe("bus_events_published_total", () => {
  const testbed = useShippingTestbed();

  it("counts the events shipping's scripts appended, not the prepared alternatives they left out", async () => {
    const shipping = await testbed.service({ SHIPPING_COUNTRIES: "DE" });
    const inventory = testbed.inventory();
    // served: shipment.created, its prepared shipment.cancelled left out
    await inventory.publish("order.placed", anOrder("ord-served", "DE"));
    // not served: shipment.failed
    await inventory.publish("order.placed", anOrder("ord-abroad", "GB"));
    // cancelled before placed: shipment.cancelled, its prepared shipment.created left out
    await inventory.publish("order.cancel-requested", {
      orderId: "ord-early",
      reason: "Changed my mind",
      requestedAt: new Date().toISOString(),
    });
    await testbed.drained(shipping, "order.cancel-requested");
    await inventory.publish("order.placed", anOrder("ord-early", "DE"));
    // the same order again under a new id: the shipment exists, nothing is appended
    await inventory.publish("order.placed", anOrder("ord-served", "DE"));
    await testbed.drained(shipping, "order.placed");

    const pending = await shipping.store.findByOrder("ord-served");
    if (!pending) throw new Error("no shipment for ord-served");
    expect((await shipping.store.advance(pending, "dispatch")).outcome).toBe("applied");
    // a second dispatch finds it dispatched: its prepared event is not appended
    expect((await shipping.store.advance(pending, "dispatch")).outcome).toBe("wrong_state");
    // a cancel too late: shipment.cancel-refused, its prepared shipment.cancelled left out
    const late = { eventId: "evt-late", correlationId: "ord-served" };
    expect((await shipping.store.decideCancel("ord-served", late)).outcome).toBe("refused");

    const counts = await publishedByTopic(shipping);
    expect(counts).toEqual({
      "shipment.created": 1,
      "shipment.failed": 1,
      "shipment.cancelled": 1,
      "shipment.dispatched": 1,
      "shipment.cancel-refused": 1,
    });
    for (const [topic, count] of Object.entries(counts))
      expect(await testbed.events(topic as "shipment.created")).toHaveLength(count);
  });
});
