import { get, type IncomingMessage, type ServerResponse } from "node:http";
import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { BusClosedError, createBus, type RedisClient, streamKey } from "@retail/bus";
import { catalog, examplePayloads } from "@retail/contracts";
import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { z } from "zod";
import { freshGet } from "../test/http.js";
import { kitCatalog } from "../test/kit-catalog.js";
import { withRouteDefaults } from "./auth/route-auth.js";
import { ALL_SCOPES, authorizeInjects, testIdentity } from "./auth/test-identity.js";
import { envInt } from "./config.js";
import { defineService } from "./define-service.js";
import type { ServiceInstanceOf } from "./service-types.js";
import { ShutdownError } from "./start.js";

const LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? "silent";
const WAIT = { timeout: 15_000, interval: 20 } as const;

/**
 * A tiny service with one route, one handler, one background task, one readiness check
 * and both hooks; `events` records what ran, in order.
 */
function pingService(options: { failStart?: boolean; failStop?: boolean } = {}) {
  const events: string[] = [];
  const state = { ready: true, redis: undefined as RedisClient | undefined };
  const definition = defineService({
    name: "kit-test",
    catalog: kitCatalog,
    configSchema: z.object({
      PORT: envInt({ min: 0, max: 65_535 }).default(0),
      PING_LABEL: z.string().default("pong"),
    }),
    openapi: { title: "Ping", version: "1.0.0" },
    setup({ config, bus, redis, now }) {
      state.redis = redis;
      const pings: string[] = [];
      const streams = new Set<ServerResponse>();
      return {
        routes: withRouteDefaults({ public: true }, async (app) => {
          app.get("/ping", async () => ({ label: config.PING_LABEL, at: now(), pings }));
          // Like a server-sent-event stream: it never ends by itself.
          app.get("/stream", (_request, reply) => {
            reply.hijack();
            reply.raw.writeHead(200, { "content-type": "text/event-stream" });
            reply.raw.write(": open\n\n");
            streams.add(reply.raw);
          });
        }),
        handlers: { "kit.pinged": (event) => void pings.push(event.payload.pingId) },
        background: [
          {
            name: "ticker",
            async start() {
              // The bus has created its group (and with it the stream) by now.
              events.push(
                `background started, stream exists: ${await redis.exists(streamKey("kit.pinged", 0))}`,
              );
            },
            async stop() {
              if (options.failStop) throw new Error("ticker stuck");
              // The bus is still open: a task may publish while it stops.
              await bus.publish("kit.ponged", { pingId: "at-stop" });
              events.push(`background stopped, redis ${redis.status}`);
            },
          },
        ],
        readiness: [
          {
            name: "pings",
            check: () => {
              if (!state.ready) throw new Error("told to be unready");
            },
          },
        ],
        async beforeStart() {
          if (options.failStart) throw new Error("seeding failed");
          events.push(
            `beforeStart, stream exists: ${await redis.exists(streamKey("kit.pinged", 0))}`,
          );
        },
        beforeClose() {
          events.push("beforeClose");
          for (const stream of streams) stream.end();
        },
        expose: { pings },
      };
    },
  });
  return { definition, events, state };
}

const redis = useRedisServer({ persistence: "none" });
const identity = await testIdentity();
const env = () => ({
  HOST: "127.0.0.1",
  LOG_LEVEL,
  REDIS_URL: redis().url,
  AUTH_JWKS_FILE: identity.jwksFile,
});

describe("defineService", () => {
  const closers: (() => Promise<void>)[] = [];
  const testBus = { shutdownTimeoutMs: 2_000 };

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function create(
    ping: ReturnType<typeof pingService>,
    options: Parameters<typeof ping.definition.create>[0] = {},
  ) {
    const service = await ping.definition.create({ env: env(), bus: testBus, ...options });
    authorizeInjects(service.app, await identity.bearer("operator", ALL_SCOPES));
    closers.push(() => service.close());
    return service;
  }

  function client(): Redis {
    const created = redis().client();
    closers.push(async () => created.disconnect());
    return created;
  }

  function pinger() {
    const bus = createBus({
      service: "kit-pinger",
      catalog: kitCatalog,
      redis: redis().url,
      logger: pino({ level: LOG_LEVEL }),
    });
    closers.push(() => bus.close());
    return bus;
  }

  it("starts a service whose route answers, whose handler gets published events, and whose background task runs", async () => {
    const ping = pingService();
    const service = await create(ping);
    await service.start();
    expect(ping.events).toEqual([
      "beforeStart, stream exists: 0",
      "background started, stream exists: 1",
    ]);

    await pinger().publish("kit.pinged", { pingId: "p-1" });
    await vi.waitFor(() => expect(service.expose.pings).toEqual(["p-1"]), WAIT);
    const response = await service.app.inject({ method: "GET", url: "/ping" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ label: "pong", pings: ["p-1"] });
    expect(service.bus.service).toBe("kit-test");
  });

  it("runs beforeStart before the bus creates its consumer group and reads", async () => {
    const ping = pingService();
    const service = await create(ping);
    await service.start();
    expect(ping.events[0]).toBe("beforeStart, stream exists: 0");
    const groups = (await client().xinfo("GROUPS", streamKey("kit.pinged", 0))) as unknown[][];
    expect(groups.map((group) => group[1])).toEqual(["kit-test"]);
  });

  it("is ready when Redis, the bus and the service's own checks pass, and names the one failing", async () => {
    const ping = pingService();
    const service = await create(ping);
    await service.start();
    const ready = await service.app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: "ready",
      checks: { redis: "ok", bus: "ok", pings: "ok" },
    });

    ping.state.ready = false;
    const notReady = await service.app.inject({ method: "GET", url: "/health/ready" });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({
      status: "not_ready",
      checks: { redis: "ok", bus: "ok", pings: "told to be unready" },
    });
  });

  it("closes in order: beforeClose, HTTP, background tasks (bus still open), bus, Redis; twice is safe", async () => {
    const ping = pingService();
    const service = await create(ping);
    await service.start();
    await service.close();
    await service.close();

    expect(ping.events.slice(2)).toEqual(["beforeClose", "background stopped, redis ready"]);
    await expect(service.bus.publish("kit.ponged", { pingId: "late" })).rejects.toThrow(
      BusClosedError,
    );
    expect(service.redis.status).toBe("end");
  });

  it("runs beforeClose before HTTP drains, so a response that never ends by itself does not hold close up", async () => {
    const ping = pingService();
    const service = await create(ping);
    await service.start();
    const address = await service.app.listen({ port: 0, host: "127.0.0.1" });
    const stream = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`${address}/stream`, { agent: false }, resolve).on("error", reject);
    });
    const ended = new Promise((resolve) => stream.on("end", resolve));
    stream.resume();

    await service.close();
    await ended;
    expect(ping.events).toContain("beforeClose");
  });

  it("runs every close step when one fails, then rejects with a ShutdownError", async () => {
    const ping = pingService({ failStop: true });
    const service = await ping.definition.create({ env: env(), bus: testBus });
    await service.start();
    const error = await service.close().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ShutdownError);
    expect(error).toMatchObject({ code: "shutdown_failed", errors: [expect.any(ShutdownError)] });
    await expect(service.bus.publish("kit.ponged", { pingId: "late" })).rejects.toThrow(
      BusClosedError,
    );
    expect(service.redis.status).toBe("end");
  });

  it("passes the test overrides on: config values, the clock, bus options and the log destination", async () => {
    const ping = pingService();
    const lines: string[] = [];
    const service = await create(ping, {
      env: { ...env(), LOG_LEVEL: "info" },
      config: { PING_LABEL: "override" },
      now: () => 42,
      bus: { ...testBus, consumerName: "kit-test-consumer" },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    expect(service.config.PING_LABEL).toBe("override");
    expect(service.bus.consumerName).toBe("kit-test-consumer");
    const response = await service.app.inject({ method: "GET", url: "/ping" });
    expect(response.json()).toMatchObject({ label: "override", at: 42 });
    await service.start();
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ name: "kit-test", msg: "bus started" }),
    );
  });

  it("names its Redis connection after the service", async () => {
    const service = await create(pingService());
    await service.redis.ping();
    expect(String(await client().client("LIST"))).toMatch(/ name=kit-test /);
  });

  it("builds the bus from the environment and counts its events on the service's /metrics", async () => {
    const service = await create(pingService(), {
      env: { ...env(), BUS_STREAM_MAX_LENGTH: "10" },
    });
    for (let index = 0; index < 300; index++)
      await service.bus.publish("kit.ponged", { pingId: `p-${index}` });
    expect(await client().xlen(streamKey("kit.ponged", 0))).toBeLessThan(300);
    const metrics = await service.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(
      /bus_events_published_total\{[^}]*topic="kit.ponged"[^}]*service="kit-test"[^}]*\} 300/,
    );
  });

  it("quits Redis when setup throws", async () => {
    let parts: { redis: RedisClient } | undefined;
    const broken = defineService({
      name: "kit-test",
      catalog: kitCatalog,
      setup(built) {
        parts = built;
        throw new Error("setup failed");
      },
    });
    await expect(broken.create({ env: { ...env(), PORT: "0" } })).rejects.toThrow("setup failed");
    expect(parts?.redis.status).toBe("end");
  });

  it("uses the retail catalog unless told otherwise", async () => {
    const orders: string[] = [];
    const definition = defineService({
      name: "shipping",
      setup: () => ({
        handlers: { "order.placed": (event) => void orders.push(event.payload.orderId) },
      }),
    });
    const service = await definition.create({ env: { ...env(), PORT: "0" }, bus: testBus });
    closers.push(() => service.close());
    await service.start();
    const inventory = createBus({
      service: "inventory",
      catalog,
      redis: redis().url,
      logger: pino({ level: LOG_LEVEL }),
    });
    closers.push(() => inventory.close());
    await inventory.publish("order.placed", examplePayloads["order.placed"]);
    await vi.waitFor(() => expect(orders).toEqual([examplePayloads["order.placed"].orderId]), WAIT);
  });

  it("types handlers by topic, and the instance by what setup exposes", () => {
    const typed = defineService({
      name: "kit-test",
      catalog: kitCatalog,
      setup: () => ({
        handlers: {
          // @ts-expect-error: not a topic of the catalog
          "kit.unknown": () => {},
        },
        expose: { answer: 42 },
      }),
    });
    expectTypeOf<ServiceInstanceOf<typeof typed>["expose"]>().toEqualTypeOf<{ answer: number }>();
    expectTypeOf<ServiceInstanceOf<ReturnType<typeof pingService>["definition"]>["config"]>()
      .toHaveProperty("PING_LABEL")
      .toEqualTypeOf<string>();
  });
});

describe("defineService main()", () => {
  function fakeIo() {
    const io = {
      stderr: {
        text: "",
        write(text: string) {
          io.stderr.text += text;
        },
      },
      exit: vi.fn(),
    };
    return io;
  }

  /** Records when the tracer provider shuts down, i.e. when traces are flushed. */
  function flushProbe(record: () => Promise<void>): SpanProcessor {
    return {
      onStart: () => {},
      onEnd: () => {},
      forceFlush: async () => {},
      shutdown: record,
    };
  }

  it("traces under the service's name, listens, and shuts down in order with traces flushed last", async () => {
    const ping = pingService();
    const exporter = new InMemorySpanExporter();
    const io = fakeIo();
    const handle = await ping.definition.main({
      env: env(),
      bus: { shutdownTimeoutMs: 2_000 },
      io,
      handleSignals: false,
      spanProcessors: [
        new SimpleSpanProcessor({ exporter }),
        flushProbe(async () => {
          const bus = await handle?.service.bus
            .publish("kit.ponged", { pingId: "at-flush" })
            .catch((error: unknown) => (error instanceof BusClosedError ? "closed" : error));
          ping.events.push(`traces flushed, bus ${bus}, redis ${handle?.service.redis.status}`);
        }),
      ],
    });
    if (!handle) throw new Error(`main did not start: ${io.stderr.text}`);

    const response = await freshGet(`${handle.address}/ping`);
    expect(response.status).toBe(200);
    await vi.waitFor(() => {
      const span = exporter.getFinishedSpans().find((candidate) => candidate.name === "GET /ping");
      expect(span?.resource.attributes["service.name"]).toBe("kit-test");
    }, WAIT);

    await handle.shutdown();
    expect(ping.events).toEqual([
      "beforeStart, stream exists: 0",
      "background started, stream exists: 1",
      "beforeClose",
      "background stopped, redis ready",
      "traces flushed, bus closed, redis end",
    ]);
    expect(io.exit).not.toHaveBeenCalled();
    expect(trace.getTracer("after").startSpan("after").isRecording()).toBe(false);
  });

  it("reports an invalid configuration as one line per variable and exits 1", async () => {
    const ping = pingService();
    const io = fakeIo();
    const handle = await ping.definition.main({
      env: { LOG_LEVEL: "loud", REDIS_URL: redis().url, AUTH_JWKS_FILE: identity.jwksFile },
      io,
      handleSignals: false,
    });
    expect(handle).toBeUndefined();
    expect(io.exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(io.stderr.text).toMatch(/^Invalid configuration:\n {2}LOG_LEVEL: [^\n]+\n$/);
  });

  it("refuses to start in production with a demo password, naming the variable and not the password", async () => {
    const ping = pingService();
    const io = fakeIo();
    const url = new URL(redis().url);
    url.username = "inventory";
    url.password = "demo-inventory-password";
    const handle = await ping.definition.main({
      env: { ...env(), NODE_ENV: "production", REDIS_URL: url.toString() },
      io,
      handleSignals: false,
    });
    expect(handle).toBeUndefined();
    expect(io.exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(io.stderr.text).toMatch(/^Invalid configuration:\n {2}REDIS_URL: holds a demo password/);
    expect(io.stderr.text).not.toContain("demo-inventory-password");
  });

  it("reports a failure while starting, exits 1, and closes what it built and tracing", async () => {
    const ping = pingService({ failStart: true });
    const io = fakeIo();
    const handle = await ping.definition.main({
      env: env(),
      io,
      handleSignals: false,
      spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
    });
    expect(handle).toBeUndefined();
    expect(io.exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(io.stderr.text).toMatch(/^Failed to start: Error: seeding failed\n/);
    expect(ping.state.redis?.status).toBe("end");
    expect(trace.getTracer("after").startSpan("after").isRecording()).toBe(false);
  });
});
