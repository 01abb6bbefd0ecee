import { execFile } from "node:child_process";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startTracing, type Tracing, TracingAlreadyStartedError } from "./tracing.js";

const run = promisify(execFile);

describe("startTracing", () => {
  const started: Tracing[] = [];
  const start = async (options: Parameters<typeof startTracing>[0]) => {
    const tracing = await startTracing(options);
    started.push(tracing);
    return tracing;
  };
  afterEach(async () => {
    for (const tracing of started.splice(0)) await tracing.shutdown();
    vi.unstubAllEnvs();
  });

  it("registers nothing without an OTLP endpoint or span processors: spans do not record", async () => {
    const tracing = await start({ serviceName: "quiet", env: {} });
    expect(tracing.enabled).toBe(false);
    const span = trace.getTracer("test").startSpan("nothing");
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it("loads no SDK module when tracing is off, only @opentelemetry/api", async () => {
    // A fresh process, so modules loaded by this test file do not count.
    const source = fileURLToPath(new URL("./tracing.ts", import.meta.url));
    const script = `
      import { registerHooks } from "node:module";
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) {
        const result = next(specifier, context);
        loaded.push(result.url);
        return result;
      } });
      const { startTracing } = await import(${JSON.stringify(source)});
      const tracing = await startTracing({ serviceName: "quiet", env: {} });
      console.log(JSON.stringify({ enabled: tracing.enabled, loaded }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "" },
    });
    const { enabled, loaded } = JSON.parse(stdout) as { enabled: boolean; loaded: string[] };
    expect(enabled).toBe(false);
    const otel = loaded.filter((url) => url.includes("@opentelemetry"));
    expect(otel.length).toBeGreaterThan(0);
    expect(otel.filter((url) => !url.includes("@opentelemetry/api/"))).toEqual([]);
  });

  it("records spans with the service name, keeps the active span across awaits and injects W3C traceparent", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await start({
      serviceName: "inventory",
      env: {},
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    expect(tracing.enabled).toBe(true);

    const tracer = trace.getTracer("test");
    const carrier: Record<string, string> = {};
    await tracer.startActiveSpan("outer", async (outer) => {
      await new Promise((resolve) => setImmediate(resolve));
      tracer.startSpan("inner").end();
      propagation.inject(context.active(), carrier);
      outer.end();
    });

    const [inner, outer] = exporter.getFinishedSpans();
    expect(outer?.name).toBe("outer");
    expect(outer?.resource.attributes["service.name"]).toBe("inventory");
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    const { traceId, spanId } = outer?.spanContext() ?? {};
    expect(carrier.traceparent).toBe(`00-${traceId}-${spanId}-01`);
  });

  it("unregisters on shutdown, so spans stop recording and tracing can start again", async () => {
    const first = new InMemorySpanExporter();
    const tracing = await startTracing({
      serviceName: "one",
      spanProcessors: [new SimpleSpanProcessor({ exporter: first })],
    });
    await tracing.shutdown();
    await tracing.shutdown();
    expect(trace.getTracer("test").startSpan("after").isRecording()).toBe(false);

    const second = new InMemorySpanExporter();
    await start({
      serviceName: "two",
      spanProcessors: [new SimpleSpanProcessor({ exporter: second })],
    });
    trace.getTracer("test").startSpan("again").end();
    expect(second.getFinishedSpans().map((span) => span.name)).toEqual(["again"]);
    expect(second.getFinishedSpans()[0]?.resource.attributes["service.name"]).toBe("two");
  });

  it("refuses to start while another SDK is registered, and leaves that one working", async () => {
    const exporter = new InMemorySpanExporter();
    await start({ serviceName: "one", spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const other = new InMemorySpanExporter();
    const again = startTracing({
      serviceName: "two",
      spanProcessors: [new SimpleSpanProcessor({ exporter: other })],
    });
    await expect(again).rejects.toThrow(TracingAlreadyStartedError);
    await expect(again).rejects.toMatchObject({ code: "tracing_already_started" });

    const tracer = trace.getTracer("test");
    tracer.startActiveSpan("still", (outer) => {
      tracer.startSpan("child").end();
      outer.end();
    });
    const [child, outer] = exporter.getFinishedSpans();
    expect(child?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(other.getFinishedSpans()).toEqual([]);
  });

  it("stays off with OTEL_SDK_DISABLED=true even when an endpoint is set", async () => {
    const tracing = await start({
      serviceName: "off",
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" },
    });
    expect(tracing.enabled).toBe(false);
  });

  it("exports over OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_ENDPOINT, flushing on shutdown", async () => {
    const requests: { url: string; contentType: string; bytes: number }[] = [];
    const collector = createServer((request: IncomingMessage, response) => {
      let bytes = 0;
      request.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      request.on("end", () => {
        requests.push({
          url: request.url ?? "",
          contentType: request.headers["content-type"] ?? "",
          bytes,
        });
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      // The exporter reads its endpoint from process.env itself.
      vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", `http://127.0.0.1:${port}`);
      const tracing = await startTracing({ serviceName: "exporting" });
      expect(tracing.enabled).toBe(true);
      trace.getTracer("test").startSpan("exported").end();
      await tracing.shutdown();

      expect(requests).toEqual([
        { url: "/v1/traces", contentType: "application/x-protobuf", bytes: expect.any(Number) },
      ]);
      expect(requests[0]?.bytes).toBeGreaterThan(0);
    } finally {
      collector.close();
    }
  });
});
