import {
  context,
  isSpanContextValid,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Envelope } from "./envelope.js";
import { randomHex } from "./random.js";
import { isTraceparent } from "./traceparent.js";

const TRACER_NAME = "@retail/bus";

// Fetched per span: a tracer fetched once stays bound to the first SDK registered and
// would miss one registered again after a shutdown (tests start several in a process).
const tracer = () => trace.getTracer(TRACER_NAME);

/**
 * Whether an OpenTelemetry SDK is registered. Without one every span is a no-op, so the
 * consume path skips building the span, its attributes and its context (about 0.5 µs
 * an event); the trace still travels in the envelopes (see `startProducerSpan`).
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return (
    !(provider instanceof ProxyTracerProvider) ||
    provider.getDelegateTracer(TRACER_NAME) !== undefined
  );
}

export interface TraceFields {
  traceparent: string;
  tracestate?: string | undefined;
}

/** A producer span started for an event; ended once the event is appended. */
export interface ProducerSpan {
  readonly fields: TraceFields;
  /** End the span: the event was appended (or, with an error, its append failed). */
  end(error?: unknown): void;
}

/**
 * Start the producer span of an event about to be published and give the trace
 * context to put in its envelope. The span's parent is `parent` when given (a stored
 * traceparent, for a flow resumed outside a handler), else the active context.
 *
 * The span is ended by whoever appends the event: a prepared event that is never
 * appended (a Lua script chose another) never ends, so it is never exported and does
 * not show up in the order's trace.
 *
 * With only the API (no SDK: the propagator is a no-op), the bus still keeps one trace
 * per flow: a child of `parent` or of the event being handled (`cause`), or a new trace.
 */
export function startProducerSpan(
  topic: string,
  parent: string | undefined,
  cause: string | undefined,
): ProducerSpan {
  if (!tracingActive()) {
    return { fields: { traceparent: fallbackTraceparent(parent ?? cause) }, end: endNothing };
  }
  // A span already active (a handler's, a request's) is the truer parent than a stored one.
  const active = context.active();
  const activeSpan = trace.getSpanContext(active);
  const parentContext =
    parent === undefined || (activeSpan !== undefined && isSpanContextValid(activeSpan))
      ? active
      : propagation.extract(ROOT_CONTEXT, { traceparent: parent });
  const span = tracer().startSpan(
    `${topic} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { "messaging.system": "redis", "messaging.destination.name": topic },
    },
    parentContext,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(parentContext, span), carrier);
  const fields: TraceFields = carrier.traceparent
    ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate }
    : { traceparent: fallbackTraceparent(parent ?? cause) };
  let ended = false;
  return {
    fields,
    end(error?: unknown) {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      }
      span.end();
    },
  };
}

const endNothing = () => {};

function fallbackTraceparent(parent: string | undefined): string {
  // A malformed parent starts a new trace rather than spreading into envelopes.
  const traceId =
    parent !== undefined && isTraceparent(parent) ? parent.slice(3, 35) : randomHex(16);
  return `00-${traceId}-${randomHex(8)}-01`;
}

/** Run a handler inside a consumer span whose parent is the event's trace context. */
export async function withConsumerSpan<T>(
  envelope: Envelope<unknown>,
  group: string,
  handle: () => Promise<T>,
): Promise<T> {
  if (!tracingActive()) return handle();
  const carrier: Record<string, string> = { traceparent: envelope.traceparent };
  if (envelope.tracestate) carrier.tracestate = envelope.tracestate;
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return tracer().startActiveSpan(
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
