import { describe, expect, it, vi } from "vitest";
import {
  bearer,
  expectError,
  type Instance,
  openStream,
  useMonitoring,
} from "../../test/harness.js";

/** POST a message to a client through one instance. */
function sendMessage({ app }: Instance, clientId: string, text: string, correlationId?: string) {
  return app.inject({
    method: "POST",
    url: `/clients/${clientId}/messages`,
    ...(correlationId === undefined ? {} : { headers: { "x-correlation-id": correlationId } }),
    payload: { text },
  });
}

const monitoring = useMonitoring();

describe("direct messages to client apps", () => {
  it("answers 404 client_not_connected when no instance has the client's stream open", async () => {
    const instance = await monitoring.instance();
    expectError(await sendMessage(instance, "till-1", "price update"), 404, "client_not_connected");
  });

  it("delivers a message posted to one instance to the client's stream on another", async () => {
    const a = await monitoring.instance({ SSE_RETRY_MS: "1500" });
    const b = await monitoring.instance();
    const stream = await openStream(`${await a.url()}/clients/till-1/stream`);
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
      await openStream(`${await a.url()}/clients/mobile-1/stream`),
      await openStream(`${await a.url()}/clients/mobile-1/stream`),
      await openStream(`${await b.url()}/clients/mobile-1/stream`),
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
    const stream = await openStream(`${await a.url()}/clients/till-1/stream`);
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

describe("a client app acts only as itself", () => {
  it("records a heartbeat as the token's subject, and refuses one as another client with 403 client_mismatch", async () => {
    const { app } = await monitoring.instance();
    const till = await bearer("till-1", ["clients:report"]);
    const beat = (clientId: string, authorization: string) =>
      app.inject({
        method: "POST",
        url: `/clients/${clientId}/heartbeat`,
        headers: { authorization },
        payload: { app: "till", version: "4.2.0" },
      });
    expect((await beat("till-1", till)).statusCode).toBe(204);
    const refused = await beat("till-2", till);
    expectError(refused, 403, "client_mismatch");
    expect(refused.json().error.details).toEqual({ field: "clientId" });
    // Nothing recorded, nothing announced for the client it pretended to be.
    expectError(await app.inject({ url: "/clients/till-2" }), 404, "client_not_found");
    const online = await monitoring.events("client.online");
    expect(online.map((event) => (event.payload as { clientId: string }).clientId)).toEqual([
      "till-1",
    ]);
    // An operator with clients:admin may record one for any client.
    const admin = await bearer("ops-1", ["clients:report", "clients:admin"]);
    expect((await beat("till-2", admin)).statusCode).toBe(204);
  });

  it("streams a client its own messages, answers another client 404 as an unknown one, and opens nothing for it", async () => {
    const instance = await monitoring.instance();
    const base = await instance.url();
    const till = await bearer("till-1", ["clients:report"]);
    const refused = await fetch(`${base}/clients/till-2/stream`, {
      headers: { authorization: till },
    });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: "client_not_found" } });
    expect(instance.expose.hub.size).toBe(0);
    expect(instance.expose.hub.heldBy("till-1")).toBe(0);

    const own = await openStream(`${base}/clients/till-1/stream`, till);
    try {
      expect(own.status).toBe(200);
      await vi.waitFor(() => expect(own.comments).toContain("connected"));
      expect((await sendMessage(instance, "till-1", "hello till")).json()).toEqual({
        delivered: 1,
      });
      await vi.waitFor(() =>
        expect(own.events.map((event) => (event.data as { text: string }).text)).toEqual([
          "hello till",
        ]),
      );
    } finally {
      own.close();
    }
  });
});
