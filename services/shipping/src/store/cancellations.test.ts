import { describe, expect, it } from "vitest";
import { aCancelRequest, anOrder, useShippingHarness } from "../../test/harness.js";
import { cancelledOrderKey, PROCESSED_KEY } from "../keys.js";
import type { StoredShipment } from "../shipment.js";
import type { Cancellations } from "./cancellations.js";

/**
 * The cancel decision looks, then decides in a step guarded by what it saw. A look
 * whose step finds the shipment moved on since must leave the request unhandled: were
 * it marked processed, the look after it would answer `duplicate` and the request
 * would get no answer at all.
 */
describe("a look at a cancel request that finds the shipment moved on", () => {
  const harness = useShippingHarness();

  /**
   * Handle a cancel request of the order: one look at the shipment as `seen`, then the
   * whole decision; with whether the request was marked processed after the look.
   */
  function lookThenDecide(cancellations: Cancellations, seen: StoredShipment | undefined) {
    return harness.handle(
      "order.cancel-requested",
      aCancelRequest("ord-1"),
      async (event, context) => ({
        look: await cancellations.decideOn(seen, event, context),
        markedAfterLook: await harness.client().zscore(PROCESSED_KEY, event.id),
        decision: await cancellations.decide(event, context),
      }),
    );
  }

  it("cancels nothing when the pending shipment it saw was dispatched since, and the next look refuses", async () => {
    const shipping = await harness.service({}, { start: false });
    const { store, cancellations } = shipping.expose;
    const seen = await harness.createShipment(shipping, anOrder("ord-1"));
    expect((await store.advance(seen, "dispatch")).outcome).toBe("applied");

    const { look, markedAfterLook, decision } = await lookThenDecide(cancellations, seen);
    expect(look).toEqual({ outcome: "moved" });
    expect(markedAfterLook).toBeNull();
    expect(decision).toEqual({
      outcome: "refused",
      status: "dispatched",
      reason: "already_dispatched",
    });
    expect((await store.findByOrder("ord-1"))?.status).toBe("dispatched");
    expect(await harness.events("shipment.cancelled")).toEqual([]);
    expect(await harness.events("shipment.cancel-refused")).toHaveLength(1);
  });

  it("refuses nothing when the dispatched shipment it saw was delivered since, and the next look refuses as delivered", async () => {
    const shipping = await harness.service({}, { start: false });
    const { store, cancellations } = shipping.expose;
    const pending = await harness.createShipment(shipping, anOrder("ord-1"));
    const dispatched = await store.advance(pending, "dispatch");
    if (dispatched.outcome !== "applied") throw new Error(dispatched.outcome);
    expect((await store.advance(dispatched.shipment, "deliver")).outcome).toBe("applied");

    const { look, markedAfterLook, decision } = await lookThenDecide(
      cancellations,
      dispatched.shipment,
    );
    expect(look).toEqual({ outcome: "moved" });
    expect(markedAfterLook).toBeNull();
    expect(decision).toMatchObject({ outcome: "refused", status: "delivered" });
    const refusals = await harness.events("shipment.cancel-refused");
    expect(refusals.map((event) => event.payload.status)).toEqual(["delivered"]);
  });

  it("remembers nothing when the shipment it did not see has appeared since, and the next look cancels it", async () => {
    const shipping = await harness.service({}, { start: false });
    const { store, cancellations } = shipping.expose;
    await harness.createShipment(shipping, anOrder("ord-1"));

    const { look, markedAfterLook, decision } = await lookThenDecide(cancellations, undefined);
    expect(look).toEqual({ outcome: "moved" });
    expect(markedAfterLook).toBeNull();
    expect(await harness.client().exists(cancelledOrderKey("ord-1"))).toBe(0);
    expect(decision.outcome).toBe("cancelled");
    expect((await store.findByOrder("ord-1"))?.status).toBe("cancelled");
    expect(await harness.events("shipment.cancelled")).toHaveLength(1);
  });

  it("marks the request processed with the decisive step, after which every look is a duplicate", async () => {
    const shipping = await harness.service({}, { start: false });
    const { cancellations } = shipping.expose;
    const seen = await harness.createShipment(shipping, anOrder("ord-1"));

    const { decision, marked, again } = await harness.handle(
      "order.cancel-requested",
      aCancelRequest("ord-1"),
      async (event, context) => ({
        decision: await cancellations.decide(event, context),
        marked: await harness.client().zscore(PROCESSED_KEY, event.id),
        again: await cancellations.decideOn(seen, event, context),
      }),
    );
    expect(decision.outcome).toBe("cancelled");
    expect(marked).not.toBeNull();
    expect(again).toEqual({ outcome: "duplicate" });
    expect(await harness.events("shipment.cancelled")).toHaveLength(1);
  });
});
