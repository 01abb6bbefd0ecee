import { examplePayloads, PERSONAL_DATA_MASK } from "@retail/contracts";
import type { SseClient } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { bearer, expectError, openStream, useMonitoring } from "../../test/harness.js";

const placed = (orderId: string) => ({ ...examplePayloads["order.placed"], orderId });
const created = (orderId: string) => ({ ...examplePayloads["shipment.created"], orderId });

describe("live event feed", () => {
  const monitoring = useMonitoring();

  it("relays events handled by one instance to the SSE clients of another, through each client's filters", async () => {
    await monitoring.instance(); // handles the events
    const viewer = await monitoring.instance({}, { start: false }); // only serves SSE
    const base = await viewer.url();
    const streams: Record<string, SseClient> = {
      all: await openStream(`${base}/events/stream`),
      topics: await openStream(`${base}/events/stream?topic=order.placed&topic=shipment.created`),
      commaTopics: await openStream(`${base}/events/stream?topic=stock.restocked,shipment.created`),
      order: await openStream(`${base}/events/stream?orderId=o-1`),
      both: await openStream(`${base}/events/stream?orderId=o-2&topic=order.placed`),
    };
    try {
      for (const stream of Object.values(streams)) {
        expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
        await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      }
      const inventory = monitoring.bus("inventory");
      const shipping = monitoring.bus("shipping");
      const first = await inventory.publish("order.placed", placed("o-1"), {
        correlationId: "o-1",
      });
      const second = await inventory.publish("order.placed", placed("o-2"), {
        correlationId: "o-2",
      });
      const restocked = await inventory.publish(
        "stock.restocked",
        examplePayloads["stock.restocked"],
        {
          correlationId: "o-1",
          causationId: first.id,
        },
      );
      // filed under the order through payload.orderId, whatever its correlation id
      const shipment = await shipping.publish("shipment.created", created("o-1"), {
        correlationId: "elsewhere",
      });

      const ids = (stream: SseClient) => stream.events.map((event) => event.id).sort();
      const sorted = (...events: { id: string }[]) => events.map((event) => event.id).sort();
      await vi.waitFor(() =>
        expect(ids(streams.all as SseClient)).toEqual(sorted(first, second, restocked, shipment)),
      );
      await vi.waitFor(() => {
        expect(ids(streams.topics as SseClient)).toEqual(sorted(first, second, shipment));
        expect(ids(streams.commaTopics as SseClient)).toEqual(sorted(restocked, shipment));
        expect(ids(streams.order as SseClient)).toEqual(sorted(first, restocked, shipment));
        expect(ids(streams.both as SseClient)).toEqual(sorted(second));
      });
      const received = streams.all?.events.find((event) => event.id === restocked.id);
      expect(received).toEqual({
        event: "stock.restocked",
        id: restocked.id,
        data: {
          id: restocked.id,
          type: "stock.restocked",
          source: "inventory",
          occurredAt: restocked.occurredAt,
          correlationId: "o-1",
          causationId: first.id,
          partitionKey: examplePayloads["stock.restocked"].sku,
          payload: examplePayloads["stock.restocked"],
        },
      });
    } finally {
      for (const stream of Object.values(streams)) stream.close();
    }
  });

  it("shows names and addresses to pii:read viewers only, serializing each event once per kind for all of them", async () => {
    await monitoring.instance(); // handles the events
    const viewer = await monitoring.instance({}, { start: false });
    const base = await viewer.url();
    const operator = await bearer("ops-1", ["ops:read"]);
    const support = await bearer("support-1", ["ops:read", "pii:read"]);
    const streams = {
      masked: [
        await openStream(`${base}/events/stream`, operator),
        await openStream(`${base}/events/stream?topic=order.placed`, operator),
        await openStream(`${base}/events/stream`, await bearer("ops-2", ["ops:read"])),
      ],
      full: [
        await openStream(`${base}/events/stream`, support),
        await openStream(`${base}/events/stream?orderId=o-pii`, support),
      ],
    };
    const all = [...streams.masked, ...streams.full];
    try {
      for (const stream of all)
        await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      const before = viewer.expose.feed.serializations;
      const order = await monitoring
        .bus("inventory")
        .publish("order.placed", placed("o-pii"), { correlationId: "o-pii" });
      for (const stream of all)
        await vi.waitFor(() => expect(stream.events.map(({ id }) => id)).toEqual([order.id]));
      // Five viewers, two kinds: two serializations.
      expect(viewer.expose.feed.serializations - before).toBe(2);

      const address = examplePayloads["order.placed"].shippingAddress;
      for (const stream of streams.full)
        expect(stream.events[0]?.data).toMatchObject({ payload: { shippingAddress: address } });
      for (const stream of streams.masked) {
        const data = stream.events[0]?.data as { payload: Record<string, unknown> };
        expect(data.payload.shippingAddress).toEqual({
          country: address.country,
          name: PERSONAL_DATA_MASK,
          line1: PERSONAL_DATA_MASK,
          city: PERSONAL_DATA_MASK,
          postalCode: PERSONAL_DATA_MASK,
        });
        expect(data.payload).toMatchObject({ orderId: "o-pii", lines: placed("o-pii").lines });
      }
    } finally {
      for (const stream of all) stream.close();
    }
  });

  it("refuses unknown topics and malformed order ids with 400 before streaming", async () => {
    const { app } = await monitoring.instance({}, { start: false });
    expectError(
      await app.inject({ method: "GET", url: "/events/stream?topic=order.placed,nope" }),
      400,
      "validation_failed",
    );
    expectError(
      await app.inject({ method: "GET", url: "/events/stream?orderId=" }),
      400,
      "validation_failed",
    );
    expectError(
      await app.inject({ method: "GET", url: "/events/stream?orderId=a%20b" }),
      400,
      "validation_failed",
    );
  });
});
