import { describe, expect, it } from "vitest";
import { buildSampleApp } from "../test/sample-app.js";
import {
  CORRELATION_ID_HEADER,
  correlationIdFrom,
  isWellFormedCorrelationId,
} from "./correlation-id.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("correlationIdFrom", () => {
  it("keeps a well-formed id sent by the client", () => {
    expect(correlationIdFrom({ [CORRELATION_ID_HEADER]: "till-42:order.7_a" })).toBe(
      "till-42:order.7_a",
    );
  });

  it("generates a UUID when the header is absent", () => {
    expect(correlationIdFrom({})).toMatch(UUID);
  });

  it.each([
    ["empty", ""],
    ["with spaces", "a b"],
    ["with a quote", 'a"b'],
    ["with a newline", "a\nb"],
    ["longer than 128 characters", "a".repeat(129)],
    ["starting with a dash", "-abc"],
  ])("replaces an id that is %s with a UUID", (_why, sent) => {
    expect(isWellFormedCorrelationId(sent)).toBe(false);
    expect(correlationIdFrom({ [CORRELATION_ID_HEADER]: sent })).toMatch(UUID);
  });
});

describe("the correlation id of a request", () => {
  it("echoes the client's id in the response header", async () => {
    const { app } = await buildSampleApp();
    try {
      const response = await app.inject({
        method: "GET",
        url: "/health/live",
        headers: { [CORRELATION_ID_HEADER]: "web-shop-123" },
      });
      expect(response.headers[CORRELATION_ID_HEADER]).toBe("web-shop-123");
    } finally {
      await app.close();
    }
  });

  it("generates a fresh one per request when none is sent, also on error responses", async () => {
    const { app } = await buildSampleApp();
    try {
      const first = await app.inject({ method: "GET", url: "/health/live" });
      const second = await app.inject({ method: "GET", url: "/no/such/route" });
      const third = await app.inject({
        method: "GET",
        url: "/health/live",
        headers: { [CORRELATION_ID_HEADER]: "bad id" },
      });
      const ids = [first, second, third].map((response) => response.headers[CORRELATION_ID_HEADER]);
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(3);
    } finally {
      await app.close();
    }
  });

  it("is the request id and labels every log line of the request", async () => {
    const lines: Record<string, unknown>[] = [];
    const { app } = await buildSampleApp({
      env: { LOG_LEVEL: "info" },
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    try {
      await app.inject({
        method: "GET",
        url: "/boom",
        headers: { [CORRELATION_ID_HEADER]: "trace-me" },
      });
      const requestLines = lines.filter((line) => "correlationId" in line);
      expect(requestLines.map((line) => line.msg)).toEqual([
        "incoming request",
        "Internal server error",
        "request completed",
      ]);
      for (const line of requestLines) expect(line.correlationId).toBe("trace-me");
    } finally {
      await app.close();
    }
  });
});
