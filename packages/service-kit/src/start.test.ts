import { connect } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { freshGet } from "../test/http.js";
import { TEST_ENV } from "../test/sample-app.js";
import { buildApp } from "./app.js";
import type { RoutesPlugin } from "./app-types.js";
import { withRouteDefaults } from "./auth/route-auth.js";
import { testIdentity } from "./auth/test-identity.js";
import { createServiceContext } from "./context.js";
import { ShutdownError, type ShutdownHook, startService } from "./start.js";

/** A route that holds its request open until the test releases it. */
function slowRoute(events: string[]) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const entered = vi.fn();
  const routes: RoutesPlugin = async (app) => {
    app.addHook("onResponse", async () => {
      events.push("in-flight response sent");
    });
    app.get("/slow", async () => {
      entered();
      await released;
      return { done: true };
    });
  };
  return { routes, entered, release };
}

async function startSample(options: {
  routes?: RoutesPlugin;
  onShutdown?: ShutdownHook[];
  env?: Record<string, string>;
  logLines?: string[];
}) {
  const { logLines } = options;
  const context = createServiceContext({
    name: "sample",
    env: { ...TEST_ENV, ...options.env },
    ...(logLines ? { logDestination: { write: (line: string) => void logLines.push(line) } } : {}),
  });
  const app = await buildApp({
    context,
    auth: (await testIdentity()).verifier,
    ...(options.routes ? { routes: withRouteDefaults({ public: true }, options.routes) } : {}),
  });
  const service = await startService({ app, context, onShutdown: options.onShutdown ?? [] });
  return { app, service };
}

describe("startService", () => {
  it("listens on HOST:PORT and serves requests", async () => {
    const { service } = await startSample({});
    try {
      expect(service.address).toBe(`http://127.0.0.1:${service.port}`);
      expect(service.port).toBeGreaterThan(0);
      const response = await freshGet(`${service.address}/health/live`);
      expect(response).toEqual({ status: 200, body: '{"status":"ok"}' });
    } finally {
      await service.shutdown();
    }
  });

  it("logs its configuration at start with secrets redacted", async () => {
    const logLines: string[] = [];
    const { service } = await startSample({
      env: { LOG_LEVEL: "info", REDIS_URL: "redis://default:hunter2@localhost:6379" },
      logLines,
    });
    await service.shutdown();
    const starting = logLines
      .map((line) => JSON.parse(line))
      .find((line) => line.msg === "starting");
    expect(starting.config).toMatchObject({
      PORT: 0,
      REDIS_URL: "redis://default:***@localhost:6379",
    });
    expect(logLines.join("")).not.toContain("hunter2");
  });

  it("shutdown() drains in-flight requests, stops accepting, then runs the hooks in order", async () => {
    const events: string[] = [];
    const slow = slowRoute(events);
    const { service } = await startSample({
      routes: slow.routes,
      onShutdown: [
        async () => {
          events.push("close bus");
        },
        () => {
          events.push("close redis");
        },
      ],
    });

    const inFlight = freshGet(`${service.address}/slow`);
    await vi.waitFor(() => expect(slow.entered).toHaveBeenCalled());

    const shutdown = service.shutdown();
    await vi.waitFor(() =>
      expect(freshGet(`${service.address}/health/live`)).rejects.toThrow(/ECONNREFUSED/),
    );
    expect(events).toEqual([]);

    slow.release();
    expect(await inFlight).toEqual({ status: 200, body: '{"done":true}' });
    await shutdown;
    expect(events).toEqual(["in-flight response sent", "close bus", "close redis"]);
  });

  it("answers a request arriving on an open connection while draining with 503 not_ready", async () => {
    const slow = slowRoute([]);
    const sending = vi.fn();
    const { service } = await startSample({
      routes: async (app) => {
        await slow.routes(app, {});
        app.addHook("onSend", async (request) => {
          sending(request.url);
        });
        app.get("/fast", async () => ({ fast: true }));
      },
    });
    const socket = connect(service.port, "127.0.0.1");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    const closed = new Promise((resolve) => socket.on("close", resolve));

    socket.write("GET /slow HTTP/1.1\r\nHost: test\r\n\r\n");
    await vi.waitFor(() => expect(slow.entered).toHaveBeenCalled());
    const shutdown = service.shutdown();
    await vi.waitFor(() =>
      expect(freshGet(`${service.address}/health/live`)).rejects.toThrow(/ECONNREFUSED/),
    );
    // The connection is busy, so it is still open: a second request can follow.
    socket.write("GET /fast HTTP/1.1\r\nHost: test\r\n\r\n");
    await vi.waitFor(() => expect(sending).toHaveBeenCalledWith("/fast"));
    slow.release();
    await closed;
    await shutdown;

    const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toContain(
      '{"error":{"code":"not_ready","message":"The service is shutting down"}}',
    );
  });

  it("returns the same shutdown when called twice and runs each hook once", async () => {
    const hook = vi.fn();
    const { service } = await startSample({ onShutdown: [hook] });
    const first = service.shutdown();
    expect(service.shutdown()).toBe(first);
    await first;
    expect(hook).toHaveBeenCalledTimes(1);
  });

  it("runs the later hooks when one fails, then rejects with a ShutdownError", async () => {
    const boom = new Error("bus would not close");
    const later = vi.fn();
    const { service } = await startSample({
      onShutdown: [
        () => {
          throw boom;
        },
        later,
      ],
    });
    const error = await service.shutdown().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ShutdownError);
    expect((error as ShutdownError).errors).toEqual([boom]);
    expect(later).toHaveBeenCalledTimes(1);
  });

  it("rejects with a ShutdownError when the hooks outlast SHUTDOWN_TIMEOUT_MS", async () => {
    const { service } = await startSample({
      env: { SHUTDOWN_TIMEOUT_MS: "50" },
      onShutdown: [() => new Promise<void>(() => {})],
    });
    await expect(service.shutdown()).rejects.toThrow(
      new ShutdownError([], "shutdown did not finish within 50 ms"),
    );
  });

  it("removes its signal listeners on shutdown()", async () => {
    const before = process.listenerCount("SIGTERM");
    const { service } = await startSample({});
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    await service.shutdown();
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });
});
