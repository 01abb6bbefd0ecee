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
import {
  SseHub,
  type SseOptions,
  type SseReply,
  type SseRequest,
  SseStream,
  sseFrame,
} from "./sse.js";

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

  it("is closed from the start when its client left before it opened, so it holds no place", () => {
    const chunks: string[] = [];
    const gone = readingClient(chunks);
    gone.destroy();
    const stream = new SseStream(gone, options, silent);
    const closed: string[] = [];
    stream.onClose(() => closed.push("released"));
    expect(stream.isOpen).toBe(false);
    expect(closed).toEqual(["released"]);
    expect(chunks).toEqual([]);
  });
});

describe("sseFrame and SseStream.sendFrame", () => {
  it("writes a frame made once as send would write the event, to every stream given it", () => {
    const frame = sseFrame("order\nplaced", "e-1\r\n", { text: "x\ny" });
    expect(frame).toBe('event: order placed\nid: e-1  \ndata: {"text":"x\\ny"}\n\n');
    const sent: string[] = [];
    new SseStream(readingClient(sent), options, silent).send("order\nplaced", "e-1\r\n", {
      text: "x\ny",
    });
    const shared = [[], []].map((chunks: string[]) => {
      new SseStream(readingClient(chunks), options, silent).sendFrame(frame);
      return chunks;
    });
    for (const chunks of shared) expect(chunks).toEqual(sent);
  });

  it("drops a frame once the stream closed, and disconnects a client more than maxBufferedBytes behind", () => {
    const chunks: string[] = [];
    const closedStream = new SseStream(readingClient(chunks), options, silent);
    closedStream.close();
    closedStream.sendFrame(sseFrame("late", "1", {}));
    expect(chunks).toEqual(["retry: 3000\n\n"]);

    const response = stalledClient();
    const stream = new SseStream(response, options, silent);
    const frame = sseFrame("notification", "n-1", { text: "x".repeat(200) });
    let sent = 0;
    while (stream.isOpen && sent < 100) {
      stream.sendFrame(frame);
      sent += 1;
    }
    expect(response.destroyed).toBe(true);
    expect(sent).toBeLessThan(10);
  });
});

describe("SseHub", () => {
  let app: KitApp | undefined;
  let hub: SseHub | undefined;
  /** The streams the routes opened, server side. */
  let opened: SseStream[] = [];
  const clients: SseClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    hub?.closeAll();
    await app?.close();
    app = undefined;
    opened = [];
  });

  /**
   * An app whose `GET /stream` (public: anonymous) and `GET /own-stream` (`orders:read`:
   * the token's subject) open a stream on `hub` and say `connected`.
   */
  async function build(hubOptions: Partial<SseOptions> = {}, env: Env = {}): Promise<KitApp> {
    const streams = new SseHub({ ...options, ...hubOptions });
    hub = streams;
    const context = createServiceContext({ name: "sse", env: { ...TEST_ENV, ...env } });
    const built = await buildApp({
      context,
      auth: (await testIdentity()).verifier,
      routes: withRouteDefaults({ public: true }, async (routes) => {
        const openStream = async (request: SseRequest, reply: SseReply) => {
          const stream = streams.open(request, reply);
          opened.push(stream);
          stream.comment("connected");
        };
        routes.get("/stream", openStream);
        routes.get("/own-stream", { config: { scope: "orders:read" } }, openStream);
      }),
    });
    app = built;
    return built;
  }

  /** {@link build}, listening; resolves to its base URL. */
  async function serve(hubOptions: Partial<SseOptions> = {}, env: Env = {}): Promise<string> {
    const built = await build(hubOptions, env);
    return built.listen({ port: 0, host: "127.0.0.1" });
  }

  async function connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await openSse(url, headers);
    clients.push(client);
    return client;
  }

  /** Two streams of `url`, once each says `connected`. */
  async function connectTwice(url: string, headers: Record<string, string>) {
    const streams = [await connect(url, headers), await connect(url, headers)];
    for (const stream of streams)
      await vi.waitFor(() => expect(stream.comments).toContain("connected"));
    return streams;
  }

  /** `authorization` of `subject`, who may open `/own-stream`. */
  async function caller(subject: string): Promise<Record<string, string>> {
    return { authorization: await (await testIdentity()).bearer(subject, ["orders:read"]) };
  }

  it("sends status 200 with the SSE headers, keeping the headers the app set (CORS, correlation id)", async () => {
    const base = await serve({ retryMs: 1500 }, { CORS_ORIGINS: "https://shop.example" });
    const stream = await connect(`${base}/stream`, {
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
    const stream = await connect(`${await serve({ heartbeatMs: 20 })}/stream`);
    await vi.waitFor(() =>
      expect(stream.comments.filter((comment) => comment === "heartbeat").length).toBeGreaterThan(
        1,
      ),
    );
  });

  it("refuses one stream more than maxStreams with 503 too_many_streams and Retry-After; a closed stream frees its place", async () => {
    const url = `${await serve({ maxStreams: 1 }, { CORS_ORIGINS: "https://shop.example" })}/stream`;
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
    const url = `${await serve({
      gauge: { name: "sample_sse_streams", help: "Open streams", registry },
    })}/stream`;
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

  it("refuses a caller's stream past maxStreamsPerPrincipal with 429 too_many_principal_streams, Retry-After and the limit, while other callers still connect", async () => {
    const url = `${await serve({ maxStreamsPerPrincipal: 2 })}/own-stream`;
    const customer = await caller("cus-1");
    await connectTwice(url, customer);
    expect(hub?.heldBy("cus-1")).toBe(2);

    const refused = await fetch(url, { headers: customer });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toEqual({
      error: {
        code: "too_many_principal_streams",
        message: expect.any(String),
        details: { limit: 2 },
      },
    });
    expect(hub?.size).toBe(2);
    expect(hub?.heldBy("cus-1")).toBe(2);

    const other = await connect(url, await caller("cus-2"));
    await vi.waitFor(() => expect(other.comments).toContain("connected"));
    expect(hub?.heldBy("cus-2")).toBe(1);
  });

  it("gives a caller's place back once when its stream closes, however often and by whichever side", async () => {
    const url = `${await serve({ maxStreamsPerPrincipal: 3 })}/own-stream`;
    const customer = await caller("cus-1");
    const own = await connectTwice(url, customer);
    // Closed by the server twice, then seen closing by the client: one place back.
    opened[0]?.close();
    opened[0]?.close();
    await vi.waitFor(() => expect(own[0]?.ended).toBe(true));
    own[0]?.close();
    await vi.waitFor(() => expect(hub?.size).toBe(1));
    expect(hub?.heldBy("cus-1")).toBe(1);
    // And by the client alone.
    own[1]?.close();
    await vi.waitFor(() => expect(hub?.heldBy("cus-1")).toBe(0));

    await connectTwice(url, customer);
    expect(hub?.heldBy("cus-1")).toBe(2);
  });

  it("checks the caller's cap before maxStreams, and holds no place for a stream maxStreams refused", async () => {
    const url = `${await serve({ maxStreams: 1, maxStreamsPerPrincipal: 1 })}/own-stream`;
    const customer = await caller("cus-1");
    const first = await connect(url, customer);
    await vi.waitFor(() => expect(first.comments).toContain("connected"));

    const again = await fetch(url, { headers: customer });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      "too_many_principal_streams",
    );

    const other = await fetch(url, { headers: await caller("cus-2") });
    expect(other.status).toBe(503);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
      "too_many_streams",
    );
    expect(hub?.heldBy("cus-2")).toBe(0);

    first.close();
    await vi.waitFor(() => expect(hub?.heldBy("cus-1")).toBe(0));
    const next = await connect(url, await caller("cus-2"));
    expect(next.status).toBe(200);
  });

  it("counts anonymous streams (an empty subject) against maxStreams only, never per caller", async () => {
    const url = `${await serve({ maxStreams: 3, maxStreamsPerPrincipal: 1 })}/stream`;
    const anonymous = [await connect(url), await connect(url)];
    for (const stream of anonymous) expect(stream.status).toBe(200);
    expect(hub?.size).toBe(2);
    expect(hub?.heldBy("")).toBe(0);
  });

  it("opens a stream under app.inject, whose socket has no timeouts to set: the response is the stream's once it closes", async () => {
    const built = await build({ retryMs: 1500 });
    const answer = built.inject({ url: "/own-stream", headers: await caller("cus-1") });
    await vi.waitFor(() => expect(hub?.heldBy("cus-1")).toBe(1));
    hub?.closeAll();
    const response = await answer;
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(response.body).toBe("retry: 1500\n\n: connected\n\n");
    expect(hub?.heldBy("cus-1")).toBe(0);
  });
});
