import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Envelope } from "./envelope.js";
import { randomHex } from "./random.js";

const tracer = trace.getTracer("@retail/bus");

export interface TraceFields {
  traceparent: string;
  tracestate?: string | undefined;
}

/**
 * Trace context for an event about to be published, inside a producer span.
 * With an OpenTelemetry SDK registered, the active span's context is injected. With
 * only the API (no SDK: the propagator is a no-op), the bus still keeps one trace per
 * flow: a child of `parent` (the event being handled) or a new trace.
 */
export function withProducerSpan<T>(
  topic: string,
  parent: string | undefined,
  publish: (trace: TraceFields) => T,
): T {
  return tracer.startActiveSpan(
    `${topic} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { "messaging.system": "redis", "messaging.destination.name": topic },
    },
    (span) => {
      try {
        const carrier: Record<string, string> = {};
        propagation.inject(context.active(), carrier);
        const fields: TraceFields = carrier.traceparent
          ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate }
          : { traceparent: fallbackTraceparent(parent) };
        return publish(fields);
      } finally {
        span.end();
      }
    },
  );
}

function fallbackTraceparent(parent: string | undefined): string {
  const traceId = parent?.split("-")[1] ?? randomHex(16);
  return `00-${traceId}-${randomHex(8)}-01`;
}

/** Run a handler inside a consumer span whose parent is the event's trace context. */
export async function withConsumerSpan<T>(
  envelope: Envelope<unknown>,
  group: string,
  handle: () => Promise<T>,
): Promise<T> {
  const carrier: Record<string, string> = { traceparent: envelope.traceparent };
  if (envelope.tracestate) carrier.tracestate = envelope.tracestate;
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return tracer.startActiveSpan(
    `${envelope.type} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "redis",
        "messaging.destination.name": envelope.type,
        "messaging.consumer.group.name": group,
        "messaging.message.id": envelope.id,
        "messaging.message.conversation_id": envelope.correlationId,
      },
    },
    parent,
    async (span) => {
      try {
        return await handle();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
