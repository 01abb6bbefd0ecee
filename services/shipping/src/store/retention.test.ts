import { examplePayloads } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { anOrder, useShippingHarness } from "../../test/harness.js";
import { shipmentByOrderKey, shipmentKey } from "../keys.js";
import type { ShippingService } from "../service.js";
import type { ShipmentStatus } from "../shipment.js";

const RETENTION_MS = 60_000;
const WAIT = { timeout: 15_000, interval: 20 } as const;

describe("shipment retention", () => {
  const harness = useShippingHarness();

  async function shipmentIn(
    shipping: ShippingService,
    orderId: string,
    status: ShipmentStatus,
  ): Promise<string> {
    return vi.waitFor(async () => {
      const shipment = await shipping.expose.store.findByOrder(orderId);
      expect(shipment?.status).toBe(status);
      return shipment?.shipmentId ?? "";
    }, WAIT);
  }

  /** The PTTL of the shipment's hash and of its order's shipment-by-order key. */
  async function ttls(orderId: string, shipmentId: string): Promise<number[]> {
    const client = harness.client();
    return [
      await client.pttl(shipmentKey(shipmentId)),
      await client.pttl(shipmentByOrderKey(orderId)),
    ];
  }

  function expectExpiringWithin(values: number[], retentionMs: number): void {
    for (const ttl of values) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(retentionMs);
    }
  }

  it("gives a delivered shipment and its shipment-by-order key a TTL of the retention", async () => {
    const shipping = await harness.service({
      SHIPMENT_RETENTION_MS: String(RETENTION_MS),
      SHIPPING_DISPATCH_DELAY_MS: "0",
      SHIPPING_DELIVERY_DELAY_MS: "0",
    });
    await harness.inventory().publish("order.placed", anOrder("ord-1"));
    const shipmentId = await shipmentIn(shipping, "ord-1", "delivered");
    expectExpiringWithin(await ttls("ord-1", shipmentId), RETENTION_MS);
  });

  it("leaves a pending shipment without a TTL", async () => {
    const shipping = await harness.service({ SHIPMENT_RETENTION_MS: String(RETENTION_MS) });
    await harness.inventory().publish("order.placed", anOrder("ord-1"));
    const shipmentId = await shipmentIn(shipping, "ord-1", "pending");
    expect(await ttls("ord-1", shipmentId)).toEqual([-1, -1]);
  });

  it("gives a TTL to a shipment created failed, cancelled later or created cancelled", async () => {
    const shipping = await harness.service({ SHIPMENT_RETENTION_MS: String(RETENTION_MS) });
    const inventory = harness.inventory();
    const cancellation = (orderId: string) => ({
      ...examplePayloads["order.cancel-requested"],
      orderId,
    });
    await inventory.publish("order.placed", anOrder("ord-failed", "BR"));
    await inventory.publish("order.placed", anOrder("ord-cancelled"));
    await shipmentIn(shipping, "ord-cancelled", "pending");
    await inventory.publish("order.cancel-requested", cancellation("ord-cancelled"));
    await inventory.publish("order.cancel-requested", cancellation("ord-early"));
    await harness.drained(shipping, "order.cancel-requested");
    await inventory.publish("order.placed", anOrder("ord-early"));

    for (const [orderId, status] of [
      ["ord-failed", "failed"],
      ["ord-cancelled", "cancelled"],
      ["ord-early", "cancelled"],
    ] as const) {
      const shipmentId = await shipmentIn(shipping, orderId, status);
      expectExpiringWithin(await ttls(orderId, shipmentId), RETENTION_MS);
    }
  });

  it("keeps terminal shipments forever with SHIPMENT_RETENTION_MS=0", async () => {
    const shipping = await harness.service({
      SHIPMENT_RETENTION_MS: "0",
      SHIPPING_DISPATCH_DELAY_MS: "0",
      SHIPPING_DELIVERY_DELAY_MS: "0",
    });
    await harness.inventory().publish("order.placed", anOrder("ord-1"));
    await harness.inventory().publish("order.placed", anOrder("ord-2", "BR"));
    const delivered = await shipmentIn(shipping, "ord-1", "delivered");
    const failed = await shipmentIn(shipping, "ord-2", "failed");
    expect(await ttls("ord-1", delivered)).toEqual([-1, -1]);
    expect(await ttls("ord-2", failed)).toEqual([-1, -1]);
  });
});
