import {
  type Context,
  context,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { DOCS_PREFIX } from "./openapi.js";

/** Name of the tracer the kit's HTTP spans come from. */
export const HTTP_TRACER_NAME = "@retail/service-kit";

interface RequestSpan {
  span: Span;
  /** The span's context, activated for the handler. */
  context: Context;
}

/**
 * A SERVER span per request, named `METHOD /route/pattern` and a child of the incoming
 * `traceparent`/`tracestate`, active while the route's handler runs, so what the
 * handler does (e.g. a bus publish) joins the caller's trace. Health, metrics and docs
 * requests get none. With no SDK registered every span is a non-recording no-op.
 */
export function registerHttpTracing(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, RequestSpan>();

  app.addHook("onRequest", (request, _reply, done) => {
    const route = request.routeOptions.url;
    const path = request.url.split("?", 1)[0] ?? request.url;
    if (isNoise(route ?? path) || !tracingActive()) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    // Fetched per request: a tracer fetched once would stay bound to the first SDK
    // registered, and miss one registered again after a shutdown.
    const span = trace.getTracer(HTTP_TRACER_NAME).startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          "url.path": path,
          ...(route === undefined ? {} : { "http.route": route }),
        },
      },
      parent,
    );
    spans.set(request, { span, context: trace.setSpan(parent, span) });
    done();
  });

  // Not in onRequest: body parsing may run the rest of the request from another async
  // context than onRequest's. A preHandler runs last before the handler, and with a
  // callback the handler starts synchronously inside `context.with`.
  app.addHook("preHandler", (request, _reply, done) => {
    const entry = spans.get(request);
    if (entry === undefined) return done();
    context.with(entry.context, done);
  });

  app.addHook("onResponse", (request, reply, done) => {
    const entry = spans.get(request);
    if (entry !== undefined) {
      entry.span.setAttribute("http.response.status_code", reply.statusCode);
      if (reply.statusCode >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
      entry.span.end();
      spans.delete(request);
    }
    done();
  });

  // The client went away before an answer: no onResponse will come.
  app.addHook("onRequestAbort", (request, done) => {
    const entry = spans.get(request);
    if (entry !== undefined) {
      entry.span.setStatus({ code: SpanStatusCode.ERROR, message: "request aborted" });
      entry.span.end();
      spans.delete(request);
    }
    done();
  });
}

/** Without an SDK every span is a no-op: skip building one (and its context) per request. */
function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return (
    !(provider instanceof ProxyTracerProvider) ||
    provider.getDelegateTracer(HTTP_TRACER_NAME) !== undefined
  );
}

function isNoise(route: string): boolean {
  return (
    route.startsWith("/health") ||
    route === "/metrics" ||
    route === DOCS_PREFIX ||
    route.startsWith(`${DOCS_PREFIX}/`)
  );
}
