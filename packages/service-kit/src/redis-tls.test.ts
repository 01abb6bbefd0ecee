import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBus } from "@retail/bus";
import { type RedisServer, startRedisServer } from "@retail/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { kitCatalog } from "../test/kit-catalog.js";
import { testIdentity } from "./auth/test-identity.js";
import { defineService } from "./define-service.js";

describe("a service on a TLS-only Redis (rediss://)", () => {
  let server: RedisServer;
  let caFile: string;

  beforeAll(async () => {
    server = await startRedisServer({ tls: true, persistence: "none" });
    caFile = join(mkdtempSync(join(tmpdir(), "redis-ca-")), "ca.pem");
    writeFileSync(caFile, server.tlsCa ?? "");
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it("connects with REDIS_TLS_CA_FILE's authority, is ready, and handles events from its bus", async () => {
    expect(server.url).toMatch(/^rediss:\/\//);
    const handled: string[] = [];
    const service = await defineService({
      name: "kit-test",
      catalog: kitCatalog,
      setup: () => ({
        handlers: { "kit.pinged": (event) => void handled.push(event.payload.pingId) },
      }),
    }).create({
      env: {
        PORT: "0",
        LOG_LEVEL: "silent",
        REDIS_URL: server.url,
        REDIS_TLS_CA_FILE: caFile,
        AUTH_JWKS_FILE: (await testIdentity()).jwksFile,
      },
      bus: { shutdownTimeoutMs: 2_000 },
    });
    const pinger = createBus({
      service: "kit-pinger",
      catalog: kitCatalog,
      redis: server.client(),
      logger: pino({ level: "silent" }),
    });
    try {
      await service.start();
      expect((await service.app.inject({ url: "/health/ready" })).statusCode).toBe(200);
      await pinger.publish("kit.pinged", { pingId: "over-tls" });
      await vi.waitFor(() => expect(handled).toEqual(["over-tls"]), { timeout: 15_000 });
    } finally {
      await pinger.close();
      await service.close();
    }
  });

  it("is refused by a client that does not trust the server's authority", async () => {
    const untrusting = server.client({
      tls: {},
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await expect(untrusting.ping()).rejects.toThrow();
    } finally {
      untrusting.disconnect();
    }
  });
});
