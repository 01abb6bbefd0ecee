import type { Envelope } from "../src/envelope.js";

/** A well-formed envelope, for the codec's tests to encode, break and compare. */
export const validEnvelope: Envelope = {
  id: "0190b3f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
  type: "order.placed",
  version: 1,
  occurredAt: "2026-11-23T08:00:00.000Z",
  source: "inventory",
  correlationId: "0190b3f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
  causationId: undefined,
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: undefined,
  partitionKey: "order-1",
  payload: { orderId: "order-1", lines: [{ sku: "A", quantity: 2 }] },
};
