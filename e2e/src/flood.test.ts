import { useRedisServer } from "@retail/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { orderBody, type System, type SystemUrls, startSystem } from "./system.js";

const FLOODER = "till-flood";
const BATCHES_PER_MINUTE = 20;
const STREAMS_PER_CALLER = 3;
const CUSTOMERS = ["c-1", "c-2", "c-3", "c-4", "c-5"];

/** A telemetry batch of about 58 KiB, close to the body limit. */
const heavyBatch = {
  clientId: FLOODER,
  app: "till",
  events: Array.from({ length: 100 }, (_, index) => ({
    type: "log" as const,
    at: new Date().toISOString(),
    level: "info",
    message: `${index} ${"x".repeat(500)}`,
  })),
};

describe("a flood from one leaked client credential", () => {
  const redis = useRedisServer();
  let system: System & { urls: SystemUrls };

  beforeAll(async () => {
    system = await startSystem(redis().url, {
      listen: true,
      env: {
        monitoring: {
          TELEMETRY_BATCHES_PER_MINUTE: String(BATCHES_PER_MINUTE),
          SSE_MAX_STREAMS_PER_PRINCIPAL: String(STREAMS_PER_CALLER),
        },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await system?.close();
  });

  it("is refused with 429 (telemetry and streams) while other customers' orders are placed and shipped", async () => {
    expect(await system.product("MUG-FLOOD", 1_000)).toBeLessThan(300);
    const flooder = { authorization: await system.identity.bearer(FLOODER, ["clients:report"]) };
    const heartbeat = await fetch(`${system.urls.monitoring}/clients/${FLOODER}/heartbeat`, {
      method: "POST",
      headers: { ...flooder, "content-type": "application/json" },
      body: JSON.stringify({ app: "till", version: "1.0.0" }),
    });
    expect(heartbeat.status).toBeLessThan(300);

    // Eight loops post heavy batches as fast as they can, each until it is refused
    // (bounded, so a missing limit fails the test instead of filling Redis).
    const telemetry: number[] = [];
    const flood = Array.from({ length: 8 }, async () => {
      for (let post = 0; post < 40; post += 1) {
        const response = await fetch(`${system.urls.monitoring}/telemetry`, {
          method: "POST",
          headers: { ...flooder, "content-type": "application/json" },
          body: JSON.stringify(heavyBatch),
        });
        await response.arrayBuffer();
        telemetry.push(response.status);
        if (response.status === 429) return;
      }
    });

    // The same credential opens more streams of its own than it may hold.
    const abort = new AbortController();
    const streams: number[] = [];
    // Held until the end: a response no longer referenced is collected, and fetch then
    // closes its connection, which would free the stream's place.
    const open: Response[] = [];
    for (let stream = 0; stream < STREAMS_PER_CALLER + 2; stream += 1) {
      const response = await fetch(`${system.urls.monitoring}/clients/${FLOODER}/stream`, {
        headers: flooder,
        signal: abort.signal,
      });
      streams.push(response.status);
      if (response.status === 200) open.push(response);
      else await response.arrayBuffer();
    }

    // Meanwhile every customer places orders with their own token.
    const orders = await Promise.all(
      CUSTOMERS.flatMap((customer) =>
        [1, 2].map(async () => {
          const response = await fetch(`${system.urls.inventory}/orders`, {
            method: "POST",
            headers: {
              authorization: await system.identity.bearer(customer, ["orders:write"]),
              "content-type": "application/json",
            },
            body: JSON.stringify(orderBody(customer, "MUG-FLOOD")),
          });
          expect(response.status, await response.clone().text()).toBe(201);
          return ((await response.json()) as { orderId: string }).orderId;
        }),
      ),
    );
    await Promise.all(flood);
    expect(open).toHaveLength(STREAMS_PER_CALLER);
    abort.abort();

    expect(telemetry).toContain(429);
    expect(new Set(telemetry)).toEqual(new Set([202, 429]));
    expect(telemetry.filter((status) => status === 202).length).toBeLessThanOrEqual(
      BATCHES_PER_MINUTE,
    );
    expect(streams).toEqual([...Array(STREAMS_PER_CALLER).fill(200), ...Array(2).fill(429)]);
    // Each order goes on through the saga: shipping creates its shipment.
    await vi.waitFor(
      async () => {
        for (const orderId of orders) {
          const shipments = await system.shipping.inject({
            url: `/shipments?orderId=${orderId}`,
          });
          expect(shipments.statusCode).toBe(200);
          expect((shipments.json() as unknown[]).length, orderId).toBe(1);
        }
      },
      { timeout: 30_000, interval: 200 },
    );
  });
});
