import { openSse } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { expectError, type Instance, useMonitoring } from "../../test/harness.js";

/** POST a message to a client through one instance. */
function sendMessage({ app }: Instance, clientId: string, text: string, correlationId?: string) {
  return app.inject({
    method: "POST",
    url: `/clients/${clientId}/messages`,
    ...(correlationId === undefined ? {} : { headers: { "x-correlation-id": correlationId } }),
    payload: { text },
  });
}

describe("direct messages to client apps", () => {
  const monitoring = useMonitoring();

  it("answers 404 client_not_connected when no instance has the client's stream open", async () => {
    const instance = await monitoring.instance();
    expectError(await sendMessage(instance, "till-1", "price update"), 404, "client_not_connected");
  });

  it("delivers a message posted to one instance to the client's stream on another", async () => {
    const a = await monitoring.instance({ SSE_RETRY_MS: "1500" });
    const b = await monitoring.instance();
    const stream = await openSse(`${await a.url()}/clients/till-1/stream`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
      expect(stream.headers.get("cache-control")).toContain("no-cache");
      await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      expect(stream.retry).toBe(1500);

      const response = await sendMessage(b, "till-1", "price update: MUG-WHT 8.99", "msg-1");
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ delivered: 1 });
      await vi.waitFor(() =>
        expect(stream.events).toEqual([
          {
            event: "message",
            id: expect.any(String),
            data: {
              id: expect.any(String),
              clientId: "till-1",
              text: "price update: MUG-WHT 8.99",
              sentAt: expect.any(String),
              correlationId: "msg-1",
            },
          },
        ]),
      );
      // another client's messages do not reach it
      expectError(await sendMessage(b, "till-2", "not for till 1"), 404, "client_not_connected");
    } finally {
      stream.close();
    }
    // the stream's listener goes away with the connection
    await vi.waitFor(async () =>
      expectError(await sendMessage(b, "till-1", "gone?"), 404, "client_not_connected"),
    );
  });

  it("counts each instance that has the client connected once", async () => {
    const a = await monitoring.instance();
    const b = await monitoring.instance();
    const streams = [
      await openSse(`${await a.url()}/clients/mobile-1/stream`),
      await openSse(`${await a.url()}/clients/mobile-1/stream`),
      await openSse(`${await b.url()}/clients/mobile-1/stream`),
    ];
    try {
      for (const stream of streams)
        await vi.waitFor(() => expect(stream.comments).toContain("connected"));
      expect((await sendMessage(a, "mobile-1", "hello")).json()).toEqual({ delivered: 2 });
      for (const stream of streams)
        await vi.waitFor(() =>
          expect(stream.events.map((event) => event.event)).toEqual(["message"]),
        );
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it("sends heartbeat comments on an idle stream and ends it when the server shuts down", async () => {
    const a = await monitoring.instance({ SSE_HEARTBEAT_INTERVAL_MS: "20" });
    const stream = await openSse(`${await a.url()}/clients/till-1/stream`);
    await vi.waitFor(() => expect(stream.comments).toContain("heartbeat"));
    await a.app.close();
    await vi.waitFor(() => expect(stream.ended).toBe(true));
  });

  it("refuses a malformed client id or message with 400", async () => {
    const { app } = await monitoring.instance();
    expectError(
      await app.inject({ method: "GET", url: `/clients/${encodeURIComponent("till 1")}/stream` }),
      400,
      "validation_failed",
    );
    expectError(
      await app.inject({ method: "POST", url: "/clients/till-1/messages", payload: { text: "" } }),
      400,
      "validation_failed",
    );
    expectError(
      await app.inject({
        method: "POST",
        url: "/clients/till-1/messages",
        payload: { text: "x".repeat(2001) },
      }),
      400,
      "validation_failed",
    );
  });
});
