import { streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import {
  cancelOrder,
  placeOrder,
  putProduct,
  useInventoryTestbed,
  WAIT,
} from "../../test/harness.js";
import { keys } from "../keys.js";
import type { InventoryService } from "../service.js";

const RETENTION_MS = 60_000;
const now = () => new Date().toISOString();

describe("order retention", () => {
  const testbed = useInventoryTestbed();

  async function place(service: InventoryService, quantity: number): Promise<string> {
    const response = await placeOrder(service, [{ sku: "MUG-1", quantity }]);
    if (response.statusCode === 201) return response.json<{ orderId: string }>().orderId;
    // A rejected order is recorded too; the 409 names it.
    expect(response.statusCode, response.body).toBe(409);
    return response.json<{ error: { details: { orderId: string } } }>().error.details.orderId;
  }

  async function expectExpiresWithin(orderId: string, retentionMs: number): Promise<void> {
    const ttl = await testbed.client().pttl(keys.order(orderId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(retentionMs);
  }

  it("gives rejected and cancelled orders a TTL of the retention and leaves reserved and cancel-requested ones without", async () => {
    const service = await testbed.service({ ORDER_RETENTION_MS: String(RETENTION_MS) });
    await putProduct(service, "MUG-1", 10);
    const rejected = await place(service, 50);
    const cancelled = await place(service, 2);
    const reserved = await place(service, 1);
    const requested = await place(service, 1);
    await cancelOrder(service, testbed.bus("shipping"), cancelled);
    const request = await service.app.inject({
      method: "POST",
      url: `/orders/${requested}/cancel`,
    });
    expect(request.statusCode, request.body).toBe(202);

    await expectExpiresWithin(rejected, RETENTION_MS);
    await expectExpiresWithin(cancelled, RETENTION_MS);
    expect(await testbed.client().pttl(keys.order(reserved))).toBe(-1);
    expect(await testbed.client().pttl(keys.order(requested))).toBe(-1);
  });

  it("gives an order a TTL when shipping delivers or fails it, not while it is only dispatched", async () => {
    const service = await testbed.service({ ORDER_RETENTION_MS: String(RETENTION_MS) });
    await putProduct(service, "MUG-1", 10);
    const delivered = await place(service, 1);
    const failed = await place(service, 1);
    const shipping = testbed.bus("shipping");
    const parcel = { carrier: "dhl", trackingNumber: "JD0001" };
    for (const orderId of [delivered, failed]) {
      await shipping.publish(
        "shipment.dispatched",
        { shipmentId: `shp-${orderId}`, orderId, ...parcel, dispatchedAt: now() },
        { correlationId: orderId },
      );
    }
    await vi.waitFor(async () => {
      const statuses = await Promise.all(
        [delivered, failed].map((id) => testbed.client().hget(keys.order(id), "status")),
      );
      expect(statuses).toEqual(["dispatched", "dispatched"]);
    }, WAIT);
    expect(await testbed.client().pttl(keys.order(delivered))).toBe(-1);

    await shipping.publish(
      "shipment.delivered",
      { shipmentId: `shp-${delivered}`, orderId: delivered, ...parcel, deliveredAt: now() },
      { correlationId: delivered },
    );
    await shipping.publish(
      "shipment.failed",
      { shipmentId: `shp-${failed}`, orderId: failed, reason: "lost", failedAt: now() },
      { correlationId: failed },
    );
    await vi.waitFor(async () => {
      expect(await testbed.client().hget(keys.order(delivered), "status")).toBe("delivered");
      expect(await testbed.client().hget(keys.order(failed), "status")).toBe("failed");
    }, WAIT);
    await expectExpiresWithin(delivered, RETENTION_MS);
    await expectExpiresWithin(failed, RETENTION_MS);
  });

  it("keeps terminal orders forever with ORDER_RETENTION_MS=0", async () => {
    const service = await testbed.service({ ORDER_RETENTION_MS: "0" });
    await putProduct(service, "MUG-1", 10);
    const rejected = await place(service, 50);
    const cancelled = await place(service, 2);
    await cancelOrder(service, testbed.bus("shipping"), cancelled);

    expect(await testbed.client().pttl(keys.order(rejected))).toBe(-1);
    expect(await testbed.client().pttl(keys.order(cancelled))).toBe(-1);
  });

  it("answers 404 for an order that outlived its retention, as for an unknown one", async () => {
    const service = await testbed.service({ ORDER_RETENTION_MS: "1" });
    await putProduct(service, "MUG-1", 1);
    const rejected = await place(service, 5);
    expect(rejected).toEqual(expect.any(String));
    await vi.waitFor(async () => {
      const response = await service.app.inject({ method: "GET", url: `/orders/${rejected}` });
      expect(response.statusCode).toBe(404);
    }, WAIT);
  });

  it("drops index entries older than the retention when an order is placed, and keeps newer ones", async () => {
    const service = await testbed.service({ ORDER_RETENTION_MS: String(RETENTION_MS) });
    await putProduct(service, "MUG-1", 10);
    const client = testbed.client();
    await client.zadd(keys.orders, String(Date.now() - 2 * RETENTION_MS), "old-order");
    await client.zadd(keys.orders, String(Date.now() - RETENTION_MS / 2), "recent-order");

    const placed = await place(service, 1);

    expect(await client.zrange(keys.orders, "0", "-1")).toEqual(["recent-order", placed]);
  });

  it("keeps every index entry with ORDER_RETENTION_MS=0", async () => {
    const service = await testbed.service({ ORDER_RETENTION_MS: "0" });
    await putProduct(service, "MUG-1", 10);
    await testbed.client().zadd(keys.orders, "1", "ancient-order");

    const placed = await place(service, 1);

    expect(await testbed.client().zrange(keys.orders, "0", "-1")).toEqual([
      "ancient-order",
      placed,
    ]);
  });

  it("trims its streams to about BUS_STREAM_MAX_LENGTH entries when it is set", async () => {
    const service = await testbed.service({ BUS_STREAM_MAX_LENGTH: "10" });
    for (let index = 0; index < 500; index++) {
      await service.bus.publish("stock.restocked", {
        sku: "MUG-1",
        quantity: 1,
        available: index + 1,
        restockedAt: now(),
      });
    }
    const client = testbed.client();
    let entries = 0;
    for (let partition = 0; partition < partitionsOf(catalog["stock.restocked"]); partition++)
      entries += await client.xlen(streamKey("stock.restocked", partition));
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(500);
  });
});
