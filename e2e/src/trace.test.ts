import { SpanKind } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { catalog } from "@retail/contracts";
import { startTracing, type Tracing } from "@retail/service-kit";
import { useRedisServer } from "@retail/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { orderBody, type System, startSystem } from "./system.js";

const SLOW = { timeout: 20_000, interval: 100 };

/** Who receives each hop, from the catalog: one consumer span per group. */
const placedGroups = [...catalog["order.placed"].consumers].sort();
const createdGroups = [...catalog["shipment.created"].consumers].sort();

/** The spans of one order's causal chain, linked by span ids only. */
interface OrderChain {
  server: ReadableSpan;
  placed: ReadableSpan;
  placedConsumers: ReadableSpan[];
  created: ReadableSpan;
  createdConsumers: ReadableSpan[];
}

describe("one trace per order, from POST /orders across every service", () => {
  const redis = useRedisServer();
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let system: System;

  beforeAll(async () => {
    // Before the system starts, so the bus and the HTTP layer see the SDK.
    tracing = await startTracing({
      serviceName: "e2e",
      env: {},
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    system = await startSystem(redis().url);
  });
  afterAll(async () => {
    await system?.close();
    await tracing?.shutdown();
  });

  async function placeOrder(sku: string, headers: Record<string, string> = {}) {
    expect(await system.product(sku, 5)).toBeLessThan(300);
    const placed = await system.inventory.inject({
      method: "POST",
      url: "/orders",
      headers,
      payload: orderBody("customer-trace", sku),
    });
    expect(placed.statusCode).toBe(201);
    const { orderId } = placed.json() as { orderId: string };
    await vi.waitFor(async () => {
      const response = await system.shipping.inject({ url: `/shipments?orderId=${orderId}` });
      expect(response.json()).toHaveLength(1);
    }, SLOW);
    return orderId;
  }

  const spanId = (span: ReadableSpan) => span.spanContext().spanId;
  const traceId = (span: ReadableSpan) => span.spanContext().traceId;
  const childrenOf = (parent: ReadableSpan, name: string, kind: SpanKind) =>
    exporter
      .getFinishedSpans()
      .filter(
        (span) =>
          span.name === name &&
          span.kind === kind &&
          span.parentSpanContext?.spanId === spanId(parent),
      );
  const group = (span: ReadableSpan) => span.attributes["messaging.consumer.group.name"];
  const groupsOf = (spans: ReadableSpan[]) => spans.map(group).sort();

  /** Poll until every span of the chain up to shipment.created's consumers has ended. */
  function orderChain(orderId: string): Promise<OrderChain> {
    return vi.waitFor(() => {
      const finished = exporter.getFinishedSpans();
      // The consumer spans carry the order id as the conversation id.
      const placedConsumers = finished.filter(
        (span) =>
          span.name === "order.placed process" &&
          span.attributes["messaging.message.conversation_id"] === orderId,
      );
      expect(groupsOf(placedConsumers)).toEqual(placedGroups);
      const placedId = placedConsumers[0]?.parentSpanContext?.spanId;
      const placed = finished.find((span) => spanId(span) === placedId);
      expect(placed).toBeDefined();
      const server = ancestors(placed as ReadableSpan, finished).at(-1);
      expect(server?.kind).toBe(SpanKind.SERVER);

      const shipping = placedConsumers.find((span) => group(span) === "shipping");
      const [created] = childrenOf(
        shipping as ReadableSpan,
        "shipment.created publish",
        SpanKind.PRODUCER,
      );
      expect(created).toBeDefined();
      const createdConsumers = childrenOf(
        created as ReadableSpan,
        "shipment.created process",
        SpanKind.CONSUMER,
      );
      expect(groupsOf(createdConsumers)).toEqual(createdGroups);
      return {
        server: server as ReadableSpan,
        placed: placed as ReadableSpan,
        placedConsumers,
        created: created as ReadableSpan,
        createdConsumers,
      };
    }, SLOW);
  }

  it("roots the order's trace at the POST /orders server span and chains every hop by parent span id", async () => {
    const orderId = await placeOrder("TRACE-ROOT");
    const chain = await orderChain(orderId);

    expect(chain.server.name).toBe("POST /orders");
    expect(chain.server.parentSpanContext).toBeUndefined();
    expect(chain.server.attributes["http.response.status_code"]).toBe(201);
    expect(chain.placed).toMatchObject({ name: "order.placed publish", kind: SpanKind.PRODUCER });
    for (const consumer of chain.placedConsumers) {
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(consumer.parentSpanContext?.spanId).toBe(spanId(chain.placed));
    }
    const shipping = chain.placedConsumers.find((span) => group(span) === "shipping");
    expect(chain.created.parentSpanContext?.spanId).toBe(spanId(shipping as ReadableSpan));
    for (const consumer of chain.createdConsumers)
      expect(consumer.parentSpanContext?.spanId).toBe(spanId(chain.created));

    const all = [
      chain.server,
      chain.placed,
      ...chain.placedConsumers,
      chain.created,
      ...chain.createdConsumers,
    ];
    expect(new Set(all.map(traceId))).toEqual(new Set([traceId(chain.server)]));
  });

  it("keeps the shipment's timer-driven dispatched and delivered in the order's trace, under the span its stored traceparent names", async () => {
    const orderId = await placeOrder("TRACE-TIMERS");
    const chain = await orderChain(orderId);
    const [shipment] = (
      await system.shipping.inject({ url: `/shipments?orderId=${orderId}` })
    ).json() as { shipmentId: string }[];
    const client = new Redis(redis().url);
    // Shipping's hash of the shipment (see services/shipping/src/keys.ts).
    const stored = await client
      .hget(`{shipping}:shipment:${shipment?.shipmentId}`, "traceparent")
      .finally(() => client.disconnect());
    const [, storedTraceId, storedSpanId] = (stored ?? "").split("-");
    expect(storedSpanId).toBe(spanId(chain.placed));
    expect(storedTraceId).toBe(traceId(chain.server));

    const steps = await vi.waitFor(() => {
      const found = ["shipment.dispatched publish", "shipment.delivered publish"].map((name) =>
        exporter
          .getFinishedSpans()
          .filter(
            (span) =>
              span.name === name &&
              span.kind === SpanKind.PRODUCER &&
              traceId(span) === traceId(chain.server),
          ),
      );
      for (const spans of found) expect(spans).toHaveLength(1);
      return found.flat();
    }, SLOW);
    for (const step of steps) expect(step.parentSpanContext?.spanId).toBe(storedSpanId);
  });

  it("joins the caller's trace when POST /orders carries a traceparent header", async () => {
    const callerTraceId = "0af7651916cd43dd8448eb211c80319c";
    const callerSpanId = "b7ad6b7169203331";
    const orderId = await placeOrder("TRACE-JOIN", {
      traceparent: `00-${callerTraceId}-${callerSpanId}-01`,
    });
    const chain = await orderChain(orderId);

    expect(chain.server.parentSpanContext).toMatchObject({
      traceId: callerTraceId,
      spanId: callerSpanId,
      isRemote: true,
    });
    for (const span of [chain.server, chain.placed, chain.created, ...chain.createdConsumers])
      expect(traceId(span)).toBe(callerTraceId);
    for (const span of chain.placedConsumers) expect(traceId(span)).toBe(callerTraceId);
  });
});

/** `span`'s parent, grandparent, ... among `spans`, nearest first. */
function ancestors(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((each) => [each.spanContext().spanId, each]));
  const chain: ReadableSpan[] = [];
  let parentId = span.parentSpanContext?.spanId;
  while (parentId !== undefined) {
    const parent = byId.get(parentId);
    if (parent === undefined) break;
    chain.push(parent);
    parentId = parent.parentSpanContext?.spanId;
  }
  return chain;
}
