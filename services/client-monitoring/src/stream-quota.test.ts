import type { SseClient } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { bearer, expectError, openStream, useMonitoring } from "../test/harness.js";
import { TooManyPrincipalStreamsError } from "./errors.js";
import { StreamQuota } from "./stream-quota.js";

describe("StreamQuota", () => {
  it("gives each subject at most `max` places, refusing one more with too_many_principal_streams (429, Retry-After)", () => {
    const quota = new StreamQuota(2);
    quota.take("till-1");
    quota.take("till-1");
    let refusal: unknown;
    try {
      quota.take("till-1");
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(TooManyPrincipalStreamsError);
    expect(refusal).toMatchObject({
      code: "too_many_principal_streams",
      statusCode: 429,
      retryAfterSeconds: 5,
      details: { limit: 2 },
    });
    expect(quota.held("till-1")).toBe(2);
    quota.take("till-2");
    expect(quota.held("till-2")).toBe(1);
  });

  it("frees a place once however often its release is called", () => {
    const quota = new StreamQuota(2);
    const release = quota.take("till-1");
    quota.take("till-1");
    release();
    release();
    expect(quota.held("till-1")).toBe(1);
  });
});

describe("the caps on SSE streams", () => {
  const monitoring = useMonitoring();

  it("refuses a caller's stream past SSE_MAX_STREAMS_PER_PRINCIPAL, over both stream routes, while others still connect", async () => {
    const instance = await monitoring.instance({ SSE_MAX_STREAMS_PER_PRINCIPAL: "2" });
    const base = await instance.url();
    const operator = await bearer("ops-1", ["ops:read", "clients:report", "clients:admin"]);
    const streams: SseClient[] = [];
    try {
      streams.push(
        await openStream(`${base}/events/stream`, operator),
        await openStream(`${base}/clients/till-1/stream`, operator),
        await openStream(`${base}/events/stream`, await bearer("ops-2", ["ops:read"])),
      );
      for (const stream of streams) expect(stream.status).toBe(200);
      for (const url of ["/events/stream", "/clients/till-2/stream"]) {
        const refused = await instance.app.inject({ url, headers: { authorization: operator } });
        expectError(refused, 429, "too_many_principal_streams");
        expect(refused.headers["retry-after"]).toBe("5");
        expect(refused.json().error.details).toEqual({ limit: 2 });
      }
      expect(instance.expose.hub.size).toBe(3);

      // A closed stream gives its place back.
      streams[0]?.close();
      await vi.waitFor(() => expect(instance.expose.quota.held("ops-1")).toBe(1));
      streams.push(await openStream(`${base}/events/stream`, operator));
      expect(streams.at(-1)?.status).toBe(200);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it("refuses any caller's stream past SSE_MAX_STREAMS with 503 too_many_streams, and holds no place for it", async () => {
    const instance = await monitoring.instance({ SSE_MAX_STREAMS: "1" });
    const first = await openStream(`${await instance.url()}/events/stream`);
    try {
      expect(first.status).toBe(200);
      const viewer = await bearer("ops-2", ["ops:read"]);
      const refused = await instance.app.inject({
        url: "/events/stream",
        headers: { authorization: viewer },
      });
      expectError(refused, 503, "too_many_streams");
      expect(refused.headers["retry-after"]).toBe("5");
      expect(instance.expose.quota.held("ops-2")).toBe(0);
    } finally {
      first.close();
    }
  });
});
