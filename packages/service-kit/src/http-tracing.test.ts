import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { TEST_ENV } from "../test/sample-app.js";
import { buildApp } from "./app.js";
import type { KitApp, RoutesPlugin } from "./app-types.js";
import { withRouteDefaults } from "./auth/route-auth.js";
import { ALL_SCOPES, authorizeInjects, testIdentity } from "./auth/test-identity.js";
import { createServiceContext } from "./context.js";
import { HTTP_TRACER_NAME } from "./http-tracing.js";
import { startTracing, type Tracing } from "./tracing.js";

/** Each route does its work after an await, as real handlers do, inside a span of its own. */
const routes: RoutesPlugin = async (app) => {
  const work = async (name: string) => {
    await new Promise((resolve) => setImmediate(resolve));
    const span = trace.getTracer("test").startSpan(name);
    const recording = span.isRecording();
    span.end();
    return recording;
  };
  app.post(
    "/things/:thingId",
    { schema: { params: z.object({ thingId: z.string() }), body: z.object({ name: z.string() }) } },
    async (request, reply) => reply.code(201).send({ recording: await work(request.body.name) }),
  );
  app.get("/broken", async () => {
    await work("broken work");
    throw new Error("bug");
  });
};

async function buildTestApp(): Promise<KitApp> {
  const context = createServiceContext({ name: "traced", env: TEST_ENV });
  const identity = await testIdentity();
  const app = await buildApp({
    context,
    auth: identity.verifier,
    routes: withRouteDefaults({ public: true }, routes),
  });
  authorizeInjects(app, await identity.bearer("operator", ALL_SCOPES));
  return app;
}

/** POST a JSON body as a chunked stream, one chunk per part. */
async function postInChunks(url: string, parts: readonly string[]): Promise<unknown> {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts[sent++];
      if (part === undefined) return controller.close();
      // Held back a macrotask, so each part leaves as a write of its own.
      await new Promise((resolve) => setImmediate(resolve));
      controller.enqueue(new TextEncoder().encode(part));
    },
  });
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duplex: "half",
  });
  return response.json();
}

const postThing = (app: KitApp, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/things/t-1?x=1", headers, payload: { name: "work" } });

describe("HTTP server spans without an SDK registered", () => {
  let app: KitApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it("serves requests with non-recording spans only", async () => {
    const response = await postThing(app);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ recording: false });
  });
});

describe("HTTP server spans with an SDK registered", () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let app: KitApp;
  beforeAll(async () => {
    tracing = await startTracing({
      serviceName: "traced",
      env: {},
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app.close();
    await tracing.shutdown();
  });
  beforeEach(() => exporter.reset());

  /** The server spans, once `count` of them have ended (onResponse may end one after inject resolves). */
  async function serverSpans(count: number): Promise<ReadableSpan[]> {
    return vi.waitFor(() => {
      const spans = exporter
        .getFinishedSpans()
        .filter((span) => span.instrumentationScope.name === HTTP_TRACER_NAME);
      expect(spans).toHaveLength(count);
      return spans;
    });
  }

  it("names a SERVER span after the method and route pattern, with the HTTP attributes", async () => {
    expect((await postThing(app)).statusCode).toBe(201);
    const [span] = await serverSpans(1);
    expect(span?.name).toBe("POST /things/:thingId");
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.attributes).toEqual({
      "http.request.method": "POST",
      "http.route": "/things/:thingId",
      "url.path": "/things/t-1",
      "http.response.status_code": 201,
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.parentSpanContext).toBeUndefined();
  });

  it("makes the server span the parent of a span started in a handler of a POST with a JSON body", async () => {
    // Over a socket, not inject(), with the body in two reads: the handler then runs from
    // a later socket event than onRequest, where the async context is not a given.
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    const response = await postInChunks(`${address}/things/t-1`, ['{"name":', '"work"}']);
    expect(response).toEqual({ recording: true });
    const [server] = await serverSpans(1);
    const work = exporter.getFinishedSpans().find((span) => span.name === "work");
    expect(work?.spanContext().traceId).toBe(server?.spanContext().traceId);
    expect(work?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
  });

  it("continues the caller's trace from the traceparent header", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpanId = "00f067aa0ba902b7";
    await postThing(app, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    const [server] = await serverSpans(1);
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext).toMatchObject({ spanId: callerSpanId, isRemote: true });
  });

  it("marks a 5xx answer as an error, and a 4xx answer not", async () => {
    expect((await app.inject({ url: "/broken" })).statusCode).toBe(500);
    const invalid = await app.inject({ method: "POST", url: "/things/t-2", payload: {} });
    expect(invalid.statusCode).toBe(400);
    const spans = await serverSpans(2);
    const broken = spans.find((span) => span.name === "GET /broken");
    expect(broken?.status.code).toBe(SpanStatusCode.ERROR);
    expect(broken?.attributes["http.response.status_code"]).toBe(500);
    const rejected = spans.find((span) => span.name === "POST /things/:thingId");
    expect(rejected?.status.code).toBe(SpanStatusCode.UNSET);
    expect(rejected?.attributes["http.response.status_code"]).toBe(400);
  });

  it("names an unmatched request's span after the method only, without a route", async () => {
    expect((await app.inject({ url: "/no/such/thing" })).statusCode).toBe(404);
    const [span] = await serverSpans(1);
    expect(span?.name).toBe("GET");
    expect(span?.attributes["http.route"]).toBeUndefined();
    expect(span?.attributes["url.path"]).toBe("/no/such/thing");
  });

  it("creates no span for health, metrics and docs requests", async () => {
    for (const url of ["/health/live", "/health/ready", "/metrics", "/docs/json", "/docs"]) {
      expect((await app.inject({ url })).statusCode).toBeLessThan(400);
    }
    // A traced request after them: once its span is in, theirs would be too.
    await postThing(app);
    const [span] = await serverSpans(1);
    expect(span?.name).toBe("POST /things/:thingId");
  });
});
