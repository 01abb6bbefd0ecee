import { context, propagation, trace } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import type { Env } from "./config.js";

/** Options of {@link startTracing}. */
export interface StartTracingOptions {
  /** The `service.name` resource attribute of every span. */
  serviceName: string;
  /**
   * Where `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and
   * `OTEL_SDK_DISABLED` are read, to decide whether to trace at all. The OTLP exporter
   * and the batch processor read their own settings (`OTEL_EXPORTER_OTLP_*`,
   * `OTEL_BSP_*`) from `process.env`. Default: `process.env`.
   */
  env?: Env;
  /**
   * Processors to register besides the OTLP one, e.g. a `SimpleSpanProcessor` over an
   * `InMemorySpanExporter` in tests. Any processor turns tracing on. Default: none.
   */
  spanProcessors?: readonly SpanProcessor[];
}

/** What {@link startTracing} registered. */
export interface Tracing {
  /** False when nothing was registered: spans are the API's non-recording no-ops. */
  readonly enabled: boolean;
  /**
   * Flush the spans not exported yet, then unregister the tracer provider, context
   * manager and propagator, so tracing can be started again in the same process.
   * Call it last at shutdown. Only the first call does anything.
   */
  shutdown(): Promise<void>;
}

/** Another tracer provider, context manager or propagator is already registered. */
export class TracingAlreadyStartedError extends Error {
  readonly code = "tracing_already_started";

  constructor(what: readonly string[]) {
    super(
      `OpenTelemetry is already set up in this process (${what.join(", ")}): shut the other down first`,
    );
    this.name = "TracingAlreadyStartedError";
  }
}

const DISABLED: Tracing = { enabled: false, shutdown: async () => {} };

/**
 * Register an OpenTelemetry SDK when there is somewhere to send spans:
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, or
 * `spanProcessors` are given. It registers a tracer provider (resource `service.name`,
 * a batching OTLP/HTTP protobuf exporter when an endpoint is set), the
 * AsyncLocalStorage context manager and the W3C trace-context propagator. Otherwise
 * (or with `OTEL_SDK_DISABLED=true`) it loads nothing beyond `@opentelemetry/api` and
 * every span stays a non-recording no-op.
 *
 * Call it before creating the service, so the bus and the HTTP layer see the SDK.
 * Rejects with {@link TracingAlreadyStartedError} when another SDK is registered.
 */
export async function startTracing(options: StartTracingOptions): Promise<Tracing> {
  const env = options.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const extra = options.spanProcessors ?? [];
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return DISABLED;
  if (!endpoint && extra.length === 0) return DISABLED;

  // Loaded only here: a service that does not trace pays no start-up time or memory.
  const [sdk, hooks, core, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
  ]);
  const processors = [...extra];
  if (endpoint) {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
    processors.push(new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  }
  const provider = new sdk.TracerProvider({
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ "service.name": options.serviceName })),
    spanProcessors: processors,
  });

  const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
  const registered = {
    "tracer provider": trace.setGlobalTracerProvider(provider),
    "context manager": context.setGlobalContextManager(contextManager),
    propagator: propagation.setGlobalPropagator(new core.W3CTraceContextPropagator()),
  };
  // Unregister only what this call registered: disable() drops whatever is global.
  const unregister = () => {
    if (registered["tracer provider"]) trace.disable();
    if (registered["context manager"]) context.disable();
    else contextManager.disable();
    if (registered.propagator) propagation.disable();
  };
  const taken = Object.entries(registered).filter(([, ok]) => !ok);
  if (taken.length > 0) {
    unregister();
    await provider.shutdown();
    throw new TracingAlreadyStartedError(taken.map(([what]) => what));
  }

  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown() {
      stopped ??= provider.shutdown().finally(unregister);
      return stopped;
    },
  };
}
