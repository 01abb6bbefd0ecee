import { describe, expect, it } from "vitest";
import { sentCount, settled, useNotifications } from "../../test/harness.js";
import { keys } from "../keys.js";

describe("the notifications' state in Redis", () => {
  const notifications = useNotifications();

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
    const client = notifications.redis().client();
    try {
      const ttl = await client.pttl(keys.kept("cus-1"));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600_000);
    } finally {
      client.disconnect();
    }
  });

  it("remembers an order's customer from order.placed for NOTIFICATIONS_ORDER_TTL_MS", async () => {
    const service = await notifications.instance({ NOTIFICATIONS_ORDER_TTL_MS: "900000" });
    await notifications.order("o-1", "cus-7").placed();
    await settled(service);
    expect(await service.expose.store.customerOf("o-1")).toBe("cus-7");
    const client = notifications.redis().client();
    try {
      const ttl = await client.pttl(keys.orderCustomer("o-1"));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(900_000);
    } finally {
      client.disconnect();
    }
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
});
