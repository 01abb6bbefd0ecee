import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { testIdentity } from "@retail/service-kit/testing";
import { describe, expect, it, vi } from "vitest";
import { anOrder, useShippingHarness } from "../test/harness.js";
import { TIMERS_KEY } from "./keys.js";

const FAST = {
  SHIPPING_DISPATCH_DELAY_MS: "50",
  SHIPPING_DELIVERY_DELAY_MS: "50",
  SHIPPING_TIMER_POLL_MS: "10",
};

describe("carrier timers", () => {
  const harness = useShippingHarness();

  it("dispatches, then delivers, a shipment on its timers, publishing each step in order", async () => {
    // the delays given as config overrides, as a test harness would
    const shipping = await harness.service(
      {},
      { config: { SHIPPING_DISPATCH_DELAY_MS: 50, SHIPPING_DELIVERY_DELAY_MS: 50 } },
    );
    const placed = await harness.inventory().publish("order.placed", anOrder("ord-1"));

    const shipment = await vi.waitFor(async () => {
      const found = await shipping.expose.store.findByOrder("ord-1");
      expect(found?.status).toBe("delivered");
      return found;
    });
    expect(shipment?.history.map((entry) => entry.status)).toEqual([
      "pending",
      "dispatched",
      "delivered",
    ]);
    const [created] = await harness.events("shipment.created");
    const dispatched = await harness.events("shipment.dispatched");
    const delivered = await harness.events("shipment.delivered");
    expect(dispatched).toHaveLength(1);
    expect(delivered).toHaveLength(1);
    const ids = {
      shipmentId: shipment?.shipmentId,
      orderId: "ord-1",
      carrier: shipment?.carrier,
      trackingNumber: shipment?.trackingNumber,
    };
    expect(dispatched[0]?.payload).toEqual({ ...ids, dispatchedAt: shipment?.history[1]?.at });
    expect(delivered[0]?.payload).toEqual({ ...ids, deliveredAt: shipment?.history[2]?.at });
    // each step is caused by the one before and carries the order's correlation id
    expect(dispatched[0]?.causationId).toBe(created?.id);
    expect(delivered[0]?.causationId).toBe(dispatched[0]?.id);
    for (const event of [created, dispatched[0], delivered[0]])
      expect(event?.correlationId).toBe(placed.correlationId);
    expect(Date.parse(delivered[0]?.payload.deliveredAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(dispatched[0]?.payload.dispatchedAt ?? ""),
    );
    expect(await harness.client().zcard(TIMERS_KEY)).toBe(0);
  });

  it("keeps shipment.created and the events its timers publish in the trace of the order.placed", async () => {
    const shipping = await harness.service(FAST);
    const orderTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const placed = await harness.inventory().publish("order.placed", anOrder("ord-1"), {
      traceparent: `00-${orderTraceId}-00f067aa0ba902b7-01`,
    });
    expect(placed.traceparent.split("-")[1]).toBe(orderTraceId);

    await vi.waitFor(async () =>
      expect((await shipping.expose.store.findByOrder("ord-1"))?.status).toBe("delivered"),
    );
    expect((await shipping.expose.store.findByOrder("ord-1"))?.traceparent).toBe(
      placed.traceparent,
    );
    const steps = [
      ...(await harness.events("shipment.created")),
      ...(await harness.events("shipment.dispatched")),
      ...(await harness.events("shipment.delivered")),
    ];
    expect(steps).toHaveLength(3);
    for (const event of steps) expect(event.traceparent.split("-")[1]).toBe(orderTraceId);
  });

  it("fires a timer that fell due while no instance ran, once a new one starts on the same Redis", async () => {
    const first = await harness.service();
    await harness.inventory().publish("order.placed", anOrder("ord-1"));
    await harness.drained(first, "order.placed");
    const shipment = await first.expose.store.findByOrder("ord-1");
    await first.close();
    const client = harness.client();
    const [member, due] = await client.zrange(TIMERS_KEY, "0", "-1", "WITHSCORES");
    expect(member).toBe(`${shipment?.shipmentId}|dispatch`);

    // a new instance, started after the due time (its clock is an hour ahead)
    const later = Number(due) + 3_600_000;
    const second = await harness.service({}, { now: () => later });
    await vi.waitFor(async () =>
      expect((await second.expose.store.findByOrder("ord-1"))?.status).toBe("dispatched"),
    );
    const dispatched = await harness.events("shipment.dispatched");
    expect(dispatched.map((event) => event.payload.dispatchedAt)).toEqual([
      new Date(later).toISOString(),
    ]);
    // the delivery is due a delay after the dispatch, by the same clock
    expect(await client.zrange(TIMERS_KEY, "0", "-1", "WITHSCORES")).toEqual([
      `${shipment?.shipmentId}|deliver`,
      String(later + 60_000),
    ]);
  });

  it("fires a due timer that an instance read but died before firing", async () => {
    const first = await harness.service({}, { start: false });
    const pending = await harness.createShipment(first, anOrder("ord-1"));
    const client = harness.client();
    await client.zadd(TIMERS_KEY, 0, `${pending.shipmentId}|dispatch`);
    expect(await first.expose.store.dueTimers(10)).toHaveLength(1);
    await first.close(); // dies holding the due timer it read

    const second = await harness.service();
    await vi.waitFor(async () =>
      expect((await second.expose.store.findByOrder("ord-1"))?.status).toBe("dispatched"),
    );
    expect(await harness.events("shipment.dispatched")).toHaveLength(1);
  });

  it("takes each step exactly once when several instances poll the same timers", async () => {
    const instances = await Promise.all([
      harness.service(FAST),
      harness.service(FAST),
      harness.service(FAST),
    ]);
    const inventory = harness.inventory();
    const orderIds = Array.from({ length: 25 }, (_, index) => `ord-${index}`);
    for (const orderId of orderIds) await inventory.publish("order.placed", anOrder(orderId));

    const store = instances[0]?.expose.store;
    await vi.waitFor(
      async () => {
        for (const orderId of orderIds)
          expect((await store?.findByOrder(orderId))?.status).toBe("delivered");
      },
      { timeout: 20_000 },
    );
    for (const topic of [
      "shipment.created",
      "shipment.dispatched",
      "shipment.delivered",
    ] as const) {
      const events = await harness.events(topic);
      expect(events.map((event) => event.payload.orderId).sort()).toEqual([...orderIds].sort());
    }
    for (const orderId of orderIds) {
      const shipment = await store?.findByOrder(orderId);
      expect(shipment?.history.map((entry) => entry.status)).toEqual([
        "pending",
        "dispatched",
        "delivered",
      ]);
    }
    expect(await harness.client().zcard(TIMERS_KEY)).toBe(0);
  });

  it("applies a timer once when two instances fire it at the same moment", async () => {
    const [first, second] = [
      await harness.service({}, { start: false }),
      await harness.service({}, { start: false }),
    ];
    const { shipmentId } = await harness.createShipment(first, anOrder("ord-1"));
    const member = `${shipmentId}|dispatch`;
    await harness.client().zadd(TIMERS_KEY, 0, member);

    const outcomes = await Promise.all([
      first.expose.store.fireTimer(member),
      second.expose.store.fireTimer(member),
      first.expose.store.fireTimer(member),
    ]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual([
      "applied",
      "timer_gone",
      "timer_gone",
    ]);
    expect(await harness.events("shipment.dispatched")).toHaveLength(1);
    expect((await first.expose.store.get(shipmentId))?.history).toHaveLength(2);
  });

  it("drops, without a step or an event, a timer whose shipment has moved on", async () => {
    const shipping = await harness.service({ SHIPPING_TIMER_POLL_MS: "10" });
    const { shipmentId } = await harness.placed(shipping, anOrder("ord-1"));
    await harness.cancelRequested(shipping, "ord-1");
    expect((await shipping.expose.store.get(shipmentId))?.status).toBe("cancelled");
    // a stale timer left behind, e.g. by an older version, comes due
    const client = harness.client();
    await client.zadd(TIMERS_KEY, 0, `${shipmentId}|dispatch`, 0, "unknown-shipment|deliver");

    await vi.waitFor(async () => expect(await client.zcard(TIMERS_KEY)).toBe(0));
    expect((await shipping.expose.store.get(shipmentId))?.status).toBe("cancelled");
    expect(await harness.events("shipment.dispatched")).toEqual([]);
  });

  it("lets the process exit once closed: no timer or connection keeps it alive", async () => {
    const child = spawn(
      process.execPath,
      ["--conditions=@retail/source", "--import", "tsx", "test/start-and-close.ts"],
      {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: {
          ...process.env,
          REDIS_URL: harness.redis().url,
          AUTH_JWKS_FILE: (await testIdentity()).jwksFile,
          LOG_LEVEL: "silent",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += String(chunk);
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(output).toContain("closed");
    expect(code).toBe(0);
  });
});
