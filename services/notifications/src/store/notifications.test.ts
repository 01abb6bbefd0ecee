import { processedKey } from "@retail/bus";
import { describe, expect, it, vi } from "vitest";
import { sentCount, settled, useNotifications } from "../../test/harness.js";
import { keys, SERVICE_NAME } from "../keys.js";
import type { Notification } from "../notification.js";
import type { KeepReply } from "./notifications.js";

describe("the notifications' state in Redis", () => {
  const notifications = useNotifications();

  /** The key expires, at most `ttlMs` from now. */
  async function expectExpiry(key: string, ttlMs: number): Promise<void> {
    const client = notifications.redis().client();
    try {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(ttlMs);
    } finally {
      client.disconnect();
    }
  }

  it("keeps the newest NOTIFICATIONS_KEPT_MAX per customer, expiring NOTIFICATIONS_KEPT_TTL_MS after the newest", async () => {
    const service = await notifications.instance({
      NOTIFICATIONS_KEPT_MAX: "2",
      NOTIFICATIONS_KEPT_TTL_MS: "600000",
    });
    const ids: string[] = [];
    for (const orderId of ["o-1", "o-2", "o-3"]) {
      ids.push((await notifications.order(orderId, "cus-1").placed()).id);
      await settled(service); // one at a time: order.placed's partitions could reorder them
    }
    const kept = await service.expose.store.list("cus-1");
    expect(kept.map((notification) => notification.id)).toEqual(ids.slice(1));
    await expectExpiry(keys.kept("cus-1"), 600_000);
  });

  it("remembers an order's customer from order.placed for NOTIFICATIONS_ORDER_TTL_MS", async () => {
    const service = await notifications.instance({ NOTIFICATIONS_ORDER_TTL_MS: "900000" });
    await notifications.order("o-1", "cus-7").placed();
    await settled(service);
    expect(await service.expose.store.customerOf("o-1")).toBe("cus-7");
    await expectExpiry(keys.orderCustomer("o-1"), 900_000);
  });

  it("take() hands the kept notifications over once: a second take finds none", async () => {
    const service = await notifications.instance();
    const placed = await notifications.order("o-1", "cus-1").placed();
    await settled(service);
    const { store } = service.expose;
    expect((await store.take("cus-1")).map((notification) => notification.id)).toEqual([placed.id]);
    expect(await store.take("cus-1")).toEqual([]);
  });

  it("keeps the notification when sending it fails (here: the Redis user may not PUBLISH)", async () => {
    const admin = notifications.redis().client();
    await admin.call("ACL", "SETUSER", "no-publish", "on", ">pw", "~*", "&*", "+@all", "-publish");
    admin.disconnect();
    const url = new URL(notifications.redis().url);
    url.username = "no-publish";
    url.password = "pw";
    const service = await notifications.instance({}, { redisUrl: url.toString() });
    await notifications.app("cus-1"); // someone listens: only the failed send keeps it
    const placed = await notifications.order("o-1", "cus-1").placed();
    await settled(service);
    expect((await service.expose.store.list("cus-1")).map(({ id }) => id)).toEqual([placed.id]);
    expect(await sentCount(service, { outcome: "kept" })).toBe(1);
  });

  it("keeps nothing, and leaves the event unmarked for its retry, when the order's record no longer names the customer read", async () => {
    const service = await notifications.instance({}, { start: false });
    const client = notifications.redis().client();
    await client.set(keys.orderCustomer("o-1"), "cus-now");
    // A handler of the notifications group, on a bus of its own: the context is a real cause.
    const handler = notifications.bus(SERVICE_NAME);
    const seen: { reply: KeepReply | { outcome: "duplicate" }; marked: string | null }[] = [];
    handler.subscribe("order.failed", async (event, context) => {
      const notification: Notification = {
        id: event.id,
        customerId: "cus-read-before",
        orderId: "o-1",
        at: event.payload.failedAt,
        kind: "failed",
        reason: event.payload.reason,
      };
      const reply = await service.expose.store.keep(notification, context, { remember: false });
      seen.push({ reply, marked: await client.zscore(processedKey(SERVICE_NAME), event.id) });
    });
    await handler.start();
    try {
      await notifications.order("o-1").failed();
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]).toEqual({ reply: { outcome: "unknown_order" }, marked: null });
      expect(await client.exists(keys.kept("cus-read-before"), keys.kept("cus-now"))).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
