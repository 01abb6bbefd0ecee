import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildSampleApp } from "../test/sample-app.js";
import { redisReadinessCheck, runReadinessChecks } from "./health.js";

describe("GET /health/live", () => {
  it("answers 200 ok with no readiness checks involved", async () => {
    const failing = { name: "never", check: () => Promise.reject(new Error("down")) };
    const { app } = await buildSampleApp({ readinessChecks: [failing] });
    try {
      const response = await app.inject({ method: "GET", url: "/health/live" });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: "ok" });
    } finally {
      await app.close();
    }
  });
});

describe("probe logging", () => {
  it("keeps health probes out of the info log", async () => {
    const lines: string[] = [];
    const { app } = await buildSampleApp({
      env: { LOG_LEVEL: "info" },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    try {
      await app.inject({ method: "GET", url: "/health/live" });
      await app.inject({ method: "GET", url: "/health/ready" });
      expect(lines).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe("GET /health/ready", () => {
  it("answers 200 with every check ok", async () => {
    const { app } = await buildSampleApp({
      readinessChecks: [
        { name: "bus", check: async () => {} },
        { name: "cache", check: () => {} },
      ],
    });
    try {
      const response = await app.inject({ method: "GET", url: "/health/ready" });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: "ready", checks: { bus: "ok", cache: "ok" } });
    } finally {
      await app.close();
    }
  });

  it("answers 503 not_ready with the failing check's message, also in the error body", async () => {
    const { app } = await buildSampleApp({
      readinessChecks: [
        { name: "bus", check: async () => {} },
        {
          name: "consumer",
          check: () => {
            throw new Error("consumer group missing");
          },
        },
      ],
    });
    try {
      const response = await app.inject({ method: "GET", url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        status: "not_ready",
        checks: { bus: "ok", consumer: "consumer group missing" },
        error: { code: "not_ready", message: "Failing readiness checks: consumer" },
      });
    } finally {
      await app.close();
    }
  });
});

describe("runReadinessChecks", () => {
  it("fails a check that does not settle within the timeout", async () => {
    const hanging = { name: "hangs", check: () => new Promise<void>(() => {}) };
    const report = await runReadinessChecks([hanging, { name: "fine", check: () => {} }], 50);
    expect(report).toEqual({
      status: "not_ready",
      checks: { hangs: "timed out after 50 ms", fine: "ok" },
    });
  });

  it("reports a check that throws a non-Error by its string form", async () => {
    const report = await runReadinessChecks(
      [{ name: "odd", check: () => Promise.reject("nope") }],
      50,
    );
    expect(report.checks).toEqual({ odd: "nope" });
  });
});

describe("redisReadinessCheck against a real Redis", () => {
  const redis = useRedisServer({ persistence: "none" });
  let client: Redis;

  beforeAll(() => {
    client = redis().client();
  });
  afterAll(() => {
    client?.disconnect();
  });

  const buildWithRedis = (target = client) =>
    buildSampleApp({ readinessChecks: [redisReadinessCheck(target, { timeoutMs: 500 })] });

  it("is ready while Redis answers PING", async () => {
    const { app } = await buildWithRedis();
    try {
      await vi.waitFor(async () => {
        const response = await app.inject({ method: "GET", url: "/health/ready" });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ status: "ready", checks: { redis: "ok" } });
      });
    } finally {
      await app.close();
    }
  });

  it("is not ready while Redis is paused, and ready again once it answers", async () => {
    const { app } = await buildWithRedis();
    try {
      expect(await client.ping()).toBe("PONG");
      await redis().pause();
      try {
        const response = await app.inject({ method: "GET", url: "/health/ready" });
        expect(response.statusCode).toBe(503);
        expect(response.json()).toMatchObject({
          status: "not_ready",
          checks: { redis: "Redis did not answer PING within 500 ms" },
          error: { code: "not_ready" },
        });
      } finally {
        await redis().unpause();
      }
      await vi.waitFor(async () => {
        const response = await app.inject({ method: "GET", url: "/health/ready" });
        expect(response.statusCode).toBe(200);
      });
    } finally {
      await app.close();
    }
  });

  it("is not ready at once when the client is disconnected", async () => {
    const closed = redis().client();
    await closed.ping();
    closed.disconnect();
    await vi.waitFor(() => expect(closed.status).toBe("end"));
    const { app } = await buildWithRedis(closed);
    try {
      const response = await app.inject({ method: "GET", url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ checks: { redis: "Redis connection is end" } });
    } finally {
      await app.close();
    }
  });
});
