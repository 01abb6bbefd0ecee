import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  StackContextManager,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { useRedis } from "@retail/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { useBusTestbed } from "../test/fixtures.js";
import { defineScript } from "./service-script.js";

const RESERVE_OR_REJECT = defineScript<{ outcome: string }>(
  new URL("../test/scripts/reserve-or-reject.lua", import.meta.url),
);

const PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const traceIdOf = (traceparent: string) => traceparent.split("-")[1];
const spanIdOf = (traceparent: string) => traceparent.split("-")[2];

describe("trace context without an OpenTelemetry SDK", () => {
  const testbed = useBusTestbed(useRedis());

  it("continues the trace given in the traceparent option", async () => {
    const bus = testbed.bus("tester");
    const envelope = await bus.publish(
      "test.order-placed",
      { orderId: "o-1", seq: 1 },
      { traceparent: PARENT },
    );
    expect(traceIdOf(envelope.traceparent)).toBe(traceIdOf(PARENT));
    expect(spanIdOf(envelope.traceparent)).not.toBe(spanIdOf(PARENT));
  });

  it("starts a new trace when the traceparent option is malformed, not a broken envelope", async () => {
    const bus = testbed.bus("tester");
    const envelope = await bus.publish(
      "test.order-placed",
      { orderId: "o-1", seq: 1 },
      { traceparent: "not-a-traceparent" },
    );
    expect(envelope.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});

describe("producer spans with an OpenTelemetry SDK", () => {
  const testbed = useBusTestbed(useRedis());
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });

  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const producerSpans = () =>
    exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.PRODUCER);

  it("exports one producer span per published event, the one named in its envelope", async () => {
    const bus = testbed.bus("tester");
    const envelope = await bus.publish("test.order-placed", { orderId: "o-1", seq: 1 });
    const [span, ...others] = producerSpans();
    expect(others).toHaveLength(0);
    expect(span?.name).toBe("test.order-placed publish");
    expect(span?.spanContext().spanId).toBe(spanIdOf(envelope.traceparent));
  });

  it("makes the producer span a child of the traceparent option", async () => {
    const bus = testbed.bus("tester");
    await bus.publish("test.order-placed", { orderId: "o-1", seq: 1 }, { traceparent: PARENT });
    const [span] = producerSpans();
    expect(span?.spanContext().traceId).toBe(traceIdOf(PARENT));
    expect(span?.parentSpanContext?.spanId).toBe(spanIdOf(PARENT));
  });

  it("runs each handler in a consumer span whose parent is the event's producer span", async () => {
    const worker = testbed.bus("worker");
    const handled: string[] = [];
    worker.subscribe("test.order-placed", (event) => {
      handled.push(event.traceparent);
    });
    await worker.start();
    const envelope = await testbed
      .bus("tester")
      .publish("test.order-placed", { orderId: "o-1", seq: 1 });
    await vi.waitFor(() =>
      expect(
        exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CONSUMER),
      ).toHaveLength(1),
    );
    const [consumer] = exporter
      .getFinishedSpans()
      .filter((span) => span.kind === SpanKind.CONSUMER);
    expect(handled).toEqual([envelope.traceparent]);
    expect(consumer?.name).toBe("test.order-placed process");
    expect(consumer?.spanContext().traceId).toBe(traceIdOf(envelope.traceparent));
    expect(consumer?.parentSpanContext?.spanId).toBe(spanIdOf(envelope.traceparent));
  });

  it("keeps an active span as the parent over the traceparent option", async () => {
    const bus = testbed.bus("tester");
    const contextManager = new StackContextManager().enable();
    context.setGlobalContextManager(contextManager);
    try {
      const outer = trace.getTracer("test").startSpan("request");
      // the producer span starts synchronously inside publish, within the outer span
      const published = context.with(trace.setSpan(context.active(), outer), () =>
        bus.publish("test.order-placed", { orderId: "o-1", seq: 1 }, { traceparent: PARENT }),
      );
      await published;
      outer.end();
      const [span] = producerSpans();
      expect(span?.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(span?.spanContext().traceId).toBe(outer.spanContext().traceId);
    } finally {
      context.disable();
    }
  });

  it("exports the span of a step's event only when the script emitted it", async () => {
    const bus = testbed.bus("tester");
    const client = testbed.redis().client();
    await client.set("{tester}:stock", "1");
    client.disconnect();
    let reserved = "";
    await bus.commit(RESERVE_OR_REJECT, (step) => {
      const event = step.event("test.order-placed", { orderId: "o-1", seq: 1 });
      reserved = event.envelope.traceparent;
      return {
        stock: step.key("{tester}:stock"),
        reserved: event,
        rejected: step.event("test.order-placed", { orderId: "o-1", seq: 1, note: "none left" }),
      };
    });
    const spans = producerSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.spanContext().spanId).toBe(spanIdOf(reserved));
  });
});
