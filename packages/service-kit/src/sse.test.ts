import { Writable } from "node:stream";
import { openSse, type SseClient } from "@retail/testing";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TEST_ENV } from "../test/sample-app.js";
import { buildApp } from "./app.js";
import type { KitApp } from "./app-types.js";
import { withRouteDefaults } from "./auth/route-auth.js";
import { testIdentity } from "./auth/test-identity.js";
import type { Env } from "./config.js";
import { createServiceContext } from "./context.js";
import { SseHub, type SseOptions, SseStream } from "./sse.js";

const options = { heartbeatMs: 60_000, retryMs: 3_000, maxBufferedBytes: 1_000 };
const silent = pino({ level: "silent" });

/** A client that never reads: every byte written stays buffered. */
function stalledClient(): Writable {
  return new Writable({ write() {} });
}

/** A client that reads everything, kept as the chunks written. */
function readingClient(chunks: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
}

describe("SseStream", () => {
  it("disconnects a client once more than maxBufferedBytes wait for it, and runs its close listeners once", () => {
    const response = stalledClient();
    const stream = new SseStream(response, options, silent);
    let closed = 0;
    stream.onClose(() => {
      closed += 1;
    });
    const notification = { id: "n-1", text: "x".repeat(200) };
    let sent = 0;
    while (stream.isOpen && sent < 100) {
      stream.send("notification", `n-${sent}`, notification);
      sent += 1;
    }
    expect(stream.isOpen).toBe(false);
    expect(response.destroyed).toBe(true);
    expect(response.writableLength).toBeGreaterThan(options.maxBufferedBytes);
    // a handful of events, not all hundred: it stopped as soon as the bound was passed
    expect(sent).toBeLessThan(10);
    expect(closed).toBe(1);
  });

  it("starts with the retry line, then writes one block per event or comment, line breaks made spaces", () => {
    const chunks: string[] = [];
    const stream = new SseStream(readingClient(chunks), options, silent);
    stream.send("notifi\ncation", "a\nb", { kind: "confirmed" });
    stream.comment("connected\r\nnow");
    expect(chunks).toEqual([
      "retry: 3000\n\n",
      'event: notifi cation\nid: a b\ndata: {"kind":"confirmed"}\n\n',
      ": connected  now\n\n",
    ]);
  });

  it("drops writes once closed, and runs a close listener added later at once", () => {
    const chunks: string[] = [];
    const stream = new SseStream(readingClient(chunks), options, silent);
    const order: string[] = [];
    stream.onClose(() => {
      throw new Error("a failing listener does not stop the others");
    });
    stream.onClose(() => order.push("before"));
    stream.close();
    stream.send("late", "1", {});
    stream.onClose(() => order.push("after"));
    expect(stream.isOpen).toBe(false);
    expect(order).toEqual(["before", "after"]);
    expect(chunks).toEqual(["retry: 3000\n\n"]);
  });
});

describe("SseHub", () => {
  let app: KitApp | undefined;
  let hub: SseHub | undefined;
  const clients: SseClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    hub?.closeAll();
    await app?.close();
    app = undefined;
  });

  /** A listening app whose `GET /stream` opens a stream on `hub` and says `connected`. */
  async function serve(hubOptions: Partial<SseOptions> = {}, env: Env = {}): Promise<string> {
    const streams = new SseHub({ ...options, ...hubOptions });
    hub = streams;
    const context = createServiceContext({ name: "sse", env: { ...TEST_ENV, ...env } });
    app = await buildApp({
      context,
      auth: (await testIdentity()).verifier,
      routes: withRouteDefaults({ public: true }, async (routes) => {
        routes.get("/stream", async (request, reply) => {
          streams.open(request, reply).comment("connected");
        });
      }),
    });
    return `${await app.listen({ port: 0, host: "127.0.0.1" })}/stream`;
  }

  async function connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await openSse(url, headers);
    clients.push(client);
    return client;
  }

  it("sends status 200 with the SSE headers, keeping the headers the app set (CORS, correlation id)", async () => {
    const url = await serve({ retryMs: 1500 }, { CORS_ORIGINS: "https://shop.example" });
    const stream = await connect(url, {
      origin: "https://shop.example",
      "x-correlation-id": "corr-sse-1",
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(stream.headers.get("x-accel-buffering")).toBe("no");
    expect(stream.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(stream.headers.get("x-correlation-id")).toBe("corr-sse-1");
    await vi.waitFor(() => expect(stream.comments).toContain("connected"));
    expect(stream.retry).toBe(1500);
  });

  it("sends a heartbeat comment every heartbeatMs on an idle stream", async () => {
    const stream = await connect(await serve({ heartbeatMs: 20 }));
    await vi.waitFor(() =>
      expect(stream.comments.filter((comment) => comment === "heartbeat").length).toBeGreaterThan(
        1,
      ),
    );
  });

  it("refuses one stream more than maxStreams with 503 too_many_streams and Retry-After; a closed stream frees its place", async () => {
    const url = await serve({ maxStreams: 1 }, { CORS_ORIGINS: "https://shop.example" });
    const first = await connect(url);
    await vi.waitFor(() => expect(first.comments).toContain("connected"));
    expect(hub?.size).toBe(1);

    const refused = await fetch(url, { headers: { origin: "https://shop.example" } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(await refused.json()).toEqual({
      error: { code: "too_many_streams", message: expect.any(String) },
    });

    first.close();
    await vi.waitFor(() => expect(hub?.size).toBe(0));
    const next = await connect(url);
    await vi.waitFor(() => expect(next.comments).toContain("connected"));
  });

  it("has no cap without maxStreams, counts the open streams in its gauge, and ends every stream on closeAll", async () => {
    const registry = new Registry();
    const url = await serve({
      gauge: { name: "sample_sse_streams", help: "Open streams", registry },
    });
    const streams = [await connect(url), await connect(url), await connect(url)];
    for (const stream of streams)
      await vi.waitFor(() => expect(stream.comments).toContain("connected"));
    expect(hub?.size).toBe(3);
    expect(await registry.metrics()).toMatch(/^sample_sse_streams 3$/m);
    hub?.closeAll();
    expect(hub?.size).toBe(0);
    expect(await registry.metrics()).toMatch(/^sample_sse_streams 0$/m);
    for (const stream of streams) await vi.waitFor(() => expect(stream.ended).toBe(true));
  });
});
