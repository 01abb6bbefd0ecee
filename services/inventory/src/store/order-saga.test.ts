import type { Bus, Envelope } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import {
  eventsOf,
  expectStockInvariant,
  getOrder,
  getProduct,
  placeOrder,
  putProduct,
  shipmentOf,
  useInventoryTestbed,
  WAIT,
} from "../../test/harness.js";
import type { InventoryService } from "../service.js";
import type { TransitionReply } from "./order-saga.js";
import { readOrder } from "./orders.js";

/** The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`). */
const traceIdOf = (traceparent: string) => traceparent.split("-")[1];

/** A traceparent of a trace of its own, as shipping's would be (one per test event). */
const traceparentOf = (n: number) =>
  `00-${n.toString(16).padStart(32, "a")}-${n.toString(16).padStart(16, "b")}-01`;

/** Every event inventory appended on these topics. */
async function appended(client: Parameters<typeof eventsOf>[0]) {
  const topics = [
    "reservation.committed",
    "reservation.released",
    "order.delivered",
    "order.cancelled",
    "stock.low",
  ] as const;
  return (await Promise.all(topics.map((topic) => eventsOf(client, topic)))).flat();
}

describe("the order saga", () => {
  const testbed = useInventoryTestbed();

  async function placed(service: InventoryService, sku: string, quantity: number) {
    const response = await placeOrder(service, [{ sku, quantity }]);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ orderId: string }>().orderId;
  }

  it("continues the trace of the shipment event it handles in every event it appends", async () => {
    const service = await testbed.service({ LOW_STOCK_THRESHOLD: "5" });
    const shipping = testbed.bus("shipping");
    await putProduct(service, "MUG-1", 20);
    await putProduct(service, "TEE-1", 9);
    const delivered = await placed(service, "MUG-1", 3);
    const cancelled = await placed(service, "MUG-1", 2);
    const late = await placed(service, "TEE-1", 4); // 9 → 5: stock.low, from the request
    const cancel = await service.app.inject({
      method: "POST",
      url: `/orders/${cancelled}/cancel`,
      payload: { reason: "changed my mind" },
    });
    expect(cancel.statusCode).toBe(202);

    // Each shipment event in a trace of its own, as if from a different order's flow.
    let trace = 0;
    const shipment = (orderId: string) =>
      shipmentOf(shipping, orderId, { traceparent: traceparentOf(++trace) });
    const handled: Envelope[] = [
      await shipment(delivered).delivered(),
      await shipment(cancelled).cancelled("order_cancelled"),
      await shipment(late).cancelled("carrier_unavailable"),
    ];
    await vi.waitFor(
      async () => expect((await getOrder(service, late)).status).toBe("cancelled"),
      WAIT,
    );
    // the parcel left anyway: its units come out of available, 9 → 5 again (stock.low)
    handled.push(await shipment(late).dispatched());
    await vi.waitFor(
      async () => expect((await getOrder(service, late)).reservation).toBe("shipped"),
      WAIT,
    );

    const causes = new Map(handled.map((event) => [event.id, event]));
    const caused = (await appended(testbed.client())).filter(
      (event) => event.causationId !== undefined && causes.has(event.causationId),
    );
    expect(caused.map((event) => event.type).sort()).toEqual([
      "order.cancelled", // the customer's cancel
      "order.cancelled", // shipping's own
      "order.delivered",
      "reservation.committed", // delivered
      "reservation.committed", // left after the release
      "reservation.released",
      "reservation.released",
      "stock.low",
    ]);
    for (const event of caused) {
      const cause = causes.get(event.causationId ?? "");
      expect({ type: event.type, trace: traceIdOf(event.traceparent) }).toEqual({
        type: event.type,
        trace: traceIdOf(cause?.traceparent ?? ""),
      });
      expect(event.correlationId).toBe(cause?.correlationId);
    }
    await expectStockInvariant(testbed.client());
  });

  /**
   * The saga of a service that is built but not started, applied by a handler of this
   * test's own bus in the `inventory` group: the test decides what the handler does.
   */
  async function handledByTest() {
    const service = await testbed.created();
    await putProduct(service, "MUG-1", 10);
    const orderId = await placed(service, "MUG-1", 3);
    const consumer: Bus<RetailCatalog> = testbed.bus("inventory");
    return { service, orderId, consumer, shipment: shipmentOf(testbed.bus("shipping"), orderId) };
  }

  it("applies an event once however often and however concurrently it is applied", async () => {
    const { service, orderId, consumer, shipment } = await handledByTest();
    const outcomes: TransitionReply["outcome"][] = [];
    consumer.subscribe(
      "shipment.dispatched",
      async (event, context) => {
        const order = await readOrder(service.redis, orderId);
        if (!order) throw new Error("order missing");
        const replies = await Promise.all(
          Array.from({ length: 5 }, () =>
            service.expose.saga.apply("dispatched", event, order, context),
          ),
        );
        outcomes.push(...replies.map((reply) => reply.outcome));
      },
      { idempotency: false }, // so that the redelivery below reaches the saga
    );
    await consumer.start();
    const first = await shipment.dispatched();
    await shipment.dispatched(first.id); // shipping retrying its publish: the same event

    await vi.waitFor(() => expect(outcomes).toHaveLength(10), WAIT);

    expect(outcomes.filter((outcome) => outcome === "applied")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "duplicate")).toHaveLength(9);
    expect(await getProduct(service, "MUG-1")).toMatchObject({
      available: 7,
      reserved: 0,
      shipped: 3,
    });
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
    expect(await testbed.client().zscore("processed:{inventory}", first.id)).not.toBeNull();
    await expectStockInvariant(testbed.client());
  });

  it("reports a new event that changes nothing as unchanged, and marks it processed", async () => {
    const { service, orderId, consumer, shipment } = await handledByTest();
    const replies: TransitionReply[] = [];
    consumer.subscribe("shipment.dispatched", async (event, context) => {
      const order = await readOrder(service.redis, orderId);
      if (!order) throw new Error("order missing");
      replies.push(await service.expose.saga.apply("dispatched", event, order, context));
    });
    await consumer.start();
    await shipment.dispatched();
    await vi.waitFor(() => expect(replies).toHaveLength(1), WAIT);
    const second = await shipment.dispatched(); // a new event: its id is new
    await vi.waitFor(() => expect(replies).toHaveLength(2), WAIT);

    expect(replies.map((reply) => reply.outcome)).toEqual(["applied", "unchanged"]);
    expect(replies[1]).toMatchObject({ from: "dispatched", to: "dispatched" });
    expect(await testbed.client().zscore("processed:{inventory}", second.id)).not.toBeNull();
    expect(await eventsOf(testbed.client(), "reservation.committed")).toHaveLength(1);
  });

  it("cancels with the customer's reason when their request landed after the handler read the order", async () => {
    const { service, orderId, consumer, shipment } = await handledByTest();
    const readBefore = await readOrder(service.redis, orderId);
    if (!readBefore) throw new Error("order missing");
    const cancel = await service.app.inject({
      method: "POST",
      url: `/orders/${orderId}/cancel`,
      payload: { reason: "changed my mind" },
    });
    expect(cancel.statusCode).toBe(202);
    const replies: TransitionReply[] = [];
    consumer.subscribe("shipment.cancelled", async (event, context) => {
      replies.push(await service.expose.saga.apply("cancelled", event, readBefore, context));
    });
    await consumer.start();
    await shipment.cancelled();
    await vi.waitFor(() => expect(replies).toHaveLength(1), WAIT);

    expect(replies[0]).toMatchObject({ outcome: "applied", to: "cancelled" });
    expect(await getOrder(service, orderId)).toMatchObject({
      status: "cancelled",
      reservation: "released",
      reason: "changed my mind",
    });
    const [released, ...moreReleased] = await eventsOf(testbed.client(), "reservation.released");
    expect(moreReleased).toEqual([]);
    expect(released?.payload).toMatchObject({ reason: "order_cancelled" });
    const [cancelled, ...moreCancelled] = await eventsOf(testbed.client(), "order.cancelled");
    expect(moreCancelled).toEqual([]);
    expect(cancelled?.payload).toMatchObject({ reason: "changed my mind" });
    await expectStockInvariant(testbed.client());
  });
});
