import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import type { KitApp } from "./app-types.js";
import { testIdentity } from "./auth/test-identity.js";
import { createServiceContext } from "./context.js";

const redis = useRedisServer({ persistence: "none" });

describe("rate limits per principal, counted in Redis", () => {
  const apps: KitApp[] = [];
  let client: Redis;

  beforeEach(async () => {
    await redis().flushAll();
    client = redis().client();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    client.disconnect();
  });

  /** An instance of a "shop" service; two of them share their counters through Redis. */
  async function instance(max = 3): Promise<KitApp> {
    const app = await buildApp({
      context: createServiceContext({ name: "shop", env: { PORT: "0", LOG_LEVEL: "silent" } }),
      auth: (await testIdentity()).verifier,
      rateLimit: { redis: client, namespace: "{shop}:rate-limit:", max, windowMs: 60_000 },
      routes: async (routes) => {
        routes.get("/products", { config: { scope: "catalog:read" } }, async () => []);
        routes.post(
          "/orders",
          { config: { scope: "orders:write", rateLimit: { max: 1, timeWindow: 60_000 } } },
          async () => ({ placed: true }),
        );
      },
    });
    apps.push(app);
    return app;
  }

  const as = async (subject: string) => ({
    authorization: await (await testIdentity()).bearer(subject, ["catalog:read", "orders:write"]),
  });

  it("answers 429 rate_limited with Retry-After past the limit, over all instances, and not to another principal", async () => {
    const [first, second] = [await instance(), await instance()];
    const alice = await as("alice");
    const statuses: number[] = [];
    for (const app of [first, second, first, second]) {
      statuses.push((await app.inject({ url: "/products", headers: alice })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await first.inject({ url: "/products", headers: alice });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({
      error: { code: "rate_limited", details: { limit: 3 } },
    });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);

    expect((await second.inject({ url: "/products", headers: await as("bob") })).statusCode).toBe(
      200,
    );
  });

  it("applies a route's stricter limit of its own, and keeps its counters in the service's slot", async () => {
    const app = await instance();
    const alice = await as("alice");
    const post = () => app.inject({ method: "POST", url: "/orders", headers: alice });
    expect((await post()).statusCode).toBe(200);
    expect((await post()).statusCode).toBe(429);
    expect((await app.inject({ url: "/products", headers: alice })).statusCode).toBe(200);
    const keys = await client.keys("*");
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith("{shop}:rate-limit:")).toBe(true);
  });

  it("never limits the health probes", async () => {
    const app = await instance(1);
    for (let probe = 0; probe < 5; probe += 1)
      expect((await app.inject({ url: "/health/live" })).statusCode).toBe(200);
  });
});
