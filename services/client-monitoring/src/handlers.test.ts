import { examplePayloads, topicsConsumedBy } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { openStream, useMonitoring } from "../test/harness.js";
import { clientMonitoringHandlers } from "./handlers.js";
import type { LiveFeed } from "./live-feed.js";
import type { EventLog } from "./store/event-log.js";

describe("clientMonitoringHandlers", () => {
  it("has one entry per topic the catalog lists client-monitoring as a consumer of", () => {
    const handlers = clientMonitoringHandlers({
      events: {} as EventLog,
      feed: {} as LiveFeed,
    });
    expect(Object.keys(handlers)).toEqual(topicsConsumedBy("client-monitoring"));
  });
});

describe("the handler of every topic", () => {
  const monitoring = useMonitoring();

  it("raises a stock_low alert for each stock.low, critical when nothing is left", async () => {
    const { app } = await monitoring.instance();
    const inventory = monitoring.bus("inventory");
    await inventory.publish("stock.low", {
      ...examplePayloads["stock.low"],
      sku: "MUG-WHT",
      available: 2,
    });
    await inventory.publish("stock.low", {
      ...examplePayloads["stock.low"],
      sku: "CAP-RED",
      available: 0,
    });
    await vi.waitFor(async () => {
      const alerts = (await app.inject({ method: "GET", url: "/alerts" })).json();
      expect(
        alerts
          .map(({ kind, subject, severity }: Record<string, string>) => ({
            kind,
            subject,
            severity,
          }))
          .sort((a: { subject: string }, b: { subject: string }) =>
            a.subject.localeCompare(b.subject),
          ),
      ).toEqual([
        { kind: "stock_low", subject: "CAP-RED", severity: "critical" },
        { kind: "stock_low", subject: "MUG-WHT", severity: "warning" },
      ]);
    });
    expect((await app.inject({ method: "GET", url: "/alerts?limit=1" })).json()).toHaveLength(1);
  });

  it("raises the alert as an event that continues the flow and the trace of the event behind it", async () => {
    await monitoring.instance();
    const low = await monitoring
      .bus("inventory")
      .publish("stock.low", examplePayloads["stock.low"], { correlationId: "o-low" });
    await vi.waitFor(async () => expect(await monitoring.events("alert.raised")).toHaveLength(1));
    const [alert] = await monitoring.events("alert.raised");
    const traceId = (traceparent: string | undefined) => traceparent?.split("-")[1];
    expect(alert).toMatchObject({
      source: "client-monitoring",
      correlationId: "o-low",
      causationId: low.id,
    });
    expect(traceId(alert?.traceparent)).toBe(traceId(low.traceparent));
  });

  it("records and relays an event once when it is published twice with the same id", async () => {
    const monitor = await monitoring.instance();
    const stream = await openStream(`${await monitor.url()}/events/stream`);
    try {
      await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      const inventory = monitoring.bus("inventory");
      const payload = { ...examplePayloads["order.placed"], orderId: "o-dup" };
      const event = await inventory.publish("order.placed", payload, { correlationId: "o-dup" });
      await inventory.publish("order.placed", payload, {
        correlationId: "o-dup",
        eventId: event.id,
      });
      // a later event of the same order: same partition, handled after the duplicate
      const marker = await inventory.publish("order.placed", payload, { correlationId: "o-dup" });

      await vi.waitFor(() => expect(stream.events.map(({ id }) => id)).toContain(marker.id));
      expect(stream.events.filter(({ id }) => id === event.id)).toHaveLength(1);
      const timeline = (
        await monitor.app.inject({ method: "GET", url: "/orders/o-dup/timeline" })
      ).json();
      expect(timeline.events.map(({ id }: { id: string }) => id)).toEqual([event.id, marker.id]);
    } finally {
      stream.close();
    }
  });

  it("files a cancel request, shipping's refusal and inventory's answer in the order's timeline", async () => {
    const { app } = await monitoring.instance();
    const inventory = monitoring.bus("inventory");
    const shipping = monitoring.bus("shipping");
    const orderId = "o-refused";
    const flow = { correlationId: orderId };
    const requested = await inventory.publish(
      "order.cancel-requested",
      { ...examplePayloads["order.cancel-requested"], orderId },
      flow,
    );
    const refused = await shipping.publish(
      "shipment.cancel-refused",
      { ...examplePayloads["shipment.cancel-refused"], orderId },
      { ...flow, causationId: requested.id },
    );
    const answered = await inventory.publish(
      "order.cancel-refused",
      { ...examplePayloads["order.cancel-refused"], orderId },
      { ...flow, causationId: refused.id },
    );

    await vi.waitFor(async () => {
      const timeline = (
        await app.inject({ method: "GET", url: `/orders/${orderId}/timeline` })
      ).json();
      expect(timeline.events.map(({ id }: { id: string }) => id)).toEqual([
        requested.id,
        refused.id,
        answered.id,
      ]);
    });
  });
});
