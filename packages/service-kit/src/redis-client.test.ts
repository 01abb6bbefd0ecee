import type { RedisClient } from "@retail/bus";
import { freePort, useRedisServer } from "@retail/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "./app.js";
import type { KitApp } from "./app-types.js";
import { withRouteDefaults } from "./auth/route-auth.js";
import { testIdentity } from "./auth/test-identity.js";
import { createServiceContext } from "./context.js";
import { createRedisClient } from "./redis-client.js";

function contextFor(url: string, lines: string[] = []) {
  return createServiceContext({
    name: "orders-test",
    env: { PORT: "0", REDIS_URL: url, LOG_LEVEL: "warn" },
    logDestination: { write: (line: string) => void lines.push(line) },
  });
}

describe("createRedisClient", () => {
  const redis = useRedisServer({ persistence: "none" });

  it("connects to the service's REDIS_URL under the service's name, without REDIS_CLUSTER_NODES", async () => {
    const client = createRedisClient(contextFor(redis().url));
    try {
      expect(client).toBeInstanceOf(Redis);
      await client.set("k", "v");
      expect(String(await client.client("LIST"))).toMatch(/name=orders-test /);
      expect(client.options.enableAutoPipelining).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it("fails a command after one retry while Redis is unreachable, and logs the errors at a limited rate", async () => {
    const lines: string[] = [];
    const client = createRedisClient(contextFor(`redis://127.0.0.1:${await freePort()}`, lines), {
      errorLogIntervalMs: 60_000,
    });
    let errors = 0;
    client.on("error", () => errors++);
    try {
      await expect(client.get("k")).rejects.toThrow(/max retries per request/i);
      await vi.waitFor(() => expect(errors).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
      const logged = lines.filter((line) => line.includes("Redis connection error"));
      expect(logged).toHaveLength(1);
    } finally {
      client.disconnect();
    }
  });

  it("fails a command Redis does not answer in time, while its duplicates (blocking reads) wait on", async () => {
    const client = createRedisClient(contextFor(redis().url), { commandTimeoutMs: 100 });
    if (!(client instanceof Redis)) throw new Error("expected a single-server client");
    const blocking = client.duplicate();
    try {
      await expect(client.blpop("never-filled", 1)).rejects.toThrow("Command timed out");
      await expect(blocking.blpop("never-filled", 1)).resolves.toBeNull();
    } finally {
      client.disconnect();
      blocking.disconnect();
    }
  });
});

describe("a route on the kit's Redis client while Redis is away", () => {
  const redis = useRedisServer();
  let client: RedisClient;
  let app: KitApp;

  beforeAll(async () => {
    const context = contextFor(redis().url);
    client = createRedisClient(context);
    app = await buildApp({
      context,
      auth: (await testIdentity()).verifier,
      routes: withRouteDefaults({ public: true }, async (routes) => {
        routes.post("/visits", async () => ({ visits: await client.incr("visits") }));
      }),
    });
  });
  afterAll(async () => {
    await app?.close();
    client?.disconnect();
  });

  const visit = () => app.inject({ method: "POST", url: "/visits" });

  function expectUnavailable(response: Awaited<ReturnType<typeof visit>>) {
    expect(response.statusCode, response.body).toBe(503);
    expect(response.headers["retry-after"]).toBe("3");
    expect(response.json()).toEqual({
      error: { code: "redis_unavailable", message: expect.any(String) },
    });
  }

  it("answers 503 redis_unavailable with Retry-After, never 500, while Redis is killed, and 200 once it is back", async () => {
    expect((await visit()).statusCode).toBe(200);
    await redis().stop("kill");
    try {
      for (let attempt = 0; attempt < 5; attempt += 1) expectUnavailable(await visit());
    } finally {
      await redis().start();
    }
    await vi.waitFor(async () => expect((await visit()).statusCode).toBe(200), {
      timeout: 15_000,
      interval: 50,
    });
  });

  it("answers 503 redis_unavailable while Redis hangs (paused) instead of waiting for it", async () => {
    await vi.waitFor(async () => expect((await visit()).statusCode).toBe(200), { timeout: 15_000 });
    await redis().pause();
    try {
      expectUnavailable(await visit());
    } finally {
      await redis().unpause();
    }
    await vi.waitFor(async () => expect((await visit()).statusCode).toBe(200), {
      timeout: 15_000,
      interval: 50,
    });
  });
});
