import { examplePayloads } from "@retail/contracts";
import { openSse, type SseClient } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { expectError, useMonitoring } from "../../test/harness.js";

const placed = (orderId: string) => ({ ...examplePayloads["order.placed"], orderId });
const created = (orderId: string) => ({ ...examplePayloads["shipment.created"], orderId });

describe("live event feed", () => {
  const monitoring = useMonitoring();

  it("relays events handled by one instance to the SSE clients of another, through each client's filters", async () => {
    await monitoring.instance(); // handles the events
    const viewer = await monitoring.instance({}, { start: false }); // only serves SSE
    const base = await viewer.url();
    const streams: Record<string, SseClient> = {
      all: await openSse(`${base}/events/stream`),
      topics: await openSse(`${base}/events/stream?topic=order.placed&topic=shipment.created`),
      commaTopics: await openSse(`${base}/events/stream?topic=stock.restocked,shipment.created`),
      order: await openSse(`${base}/events/stream?orderId=o-1`),
      both: await openSse(`${base}/events/stream?orderId=o-2&topic=order.placed`),
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
