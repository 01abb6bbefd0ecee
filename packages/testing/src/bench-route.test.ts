import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { benchRoute } from "./bench-route.js";
import { useRedisServer } from "./vitest.js";

describe("benchRoute", () => {
  const redis = useRedisServer({ persistence: "none" });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function answers(url: string): Promise<string> {
    const client = new Redis(url, { maxRetriesPerRequest: 0 });
    try {
      return await client.ping();
    } finally {
      client.disconnect();
    }
  }

  it("reaches the server it was given, on the container's bridge address where that answers", async () => {
    const { url, route } = await benchRoute(redis());
    expect(await answers(url)).toBe("PONG");
    // On Linux the bridge address answers; elsewhere (Docker Desktop) the published port.
    if (route.startsWith("container address")) expect(url).not.toBe(redis().url);
    else
      expect({ url, route }).toEqual({ url: redis().url, route: "published port (docker-proxy)" });
  });

  it("keeps the published port when BENCH_ROUTE=published", async () => {
    vi.stubEnv("BENCH_ROUTE", "published");
    await expect(benchRoute(redis())).resolves.toEqual({
      url: redis().url,
      route: "published port (docker-proxy)",
    });
  });
});
