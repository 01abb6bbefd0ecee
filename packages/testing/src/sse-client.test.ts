import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSse } from "./sse-client.js";

let server: Server | undefined;

/** A server whose one route runs `handle`; resolves to its URL. */
async function serve(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  server = createServer(handle);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8" };

describe("openSse", () => {
  it("reads events, comments and the retry delay as an EventSource would, across chunks", async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, SSE_HEADERS);
      response.write("retry: 1500\n: connected\n\n");
      response.write('event: order.placed\nid: e-1\ndata: {"orderId":');
      response.write('"o-1"}\n\n');
      response.write("data: first line\ndata: second line\n\n");
      response.write(":heartbeat\n\nid: e-3\ndata: 42\n\n");
    });
    const stream = await openSse(url);
    try {
      expect(stream.status).toBe(200);
      await vi.waitFor(() => expect(stream.events).toHaveLength(3));
      expect(stream.events).toEqual([
        { event: "order.placed", id: "e-1", data: { orderId: "o-1" } },
        // no event name: `message`; data that is not JSON: its text, lines joined
        { event: "message", id: "", data: "first line\nsecond line" },
        { event: "message", id: "e-3", data: 42 },
      ]);
      expect(stream.comments).toEqual(["connected", "heartbeat"]);
      expect(stream.retry).toBe(1500);
      expect(stream.ended).toBe(false);
    } finally {
      stream.close();
    }
  });

  it("sends the given request headers besides accept: text/event-stream", async () => {
    const url = await serve((request, response) => {
      response.writeHead(200, {
        ...SSE_HEADERS,
        "x-seen": `${request.headers.accept} ${request.headers.origin}`,
      });
      response.write(": connected\n\n");
    });
    const stream = await openSse(url, { origin: "https://shop.example" });
    try {
      expect(stream.headers.get("x-seen")).toBe("text/event-stream https://shop.example");
    } finally {
      stream.close();
    }
  });

  it("is ended once the server ends the stream, or once closed", async () => {
    const url = await serve((request, response) => {
      response.writeHead(200, SSE_HEADERS);
      if (request.url?.includes("end")) response.end("data: 1\n\n");
      else response.write(": connected\n\n");
    });
    const ended = await openSse(`${url}?end`);
    await vi.waitFor(() => expect(ended.ended).toBe(true));
    expect(ended.events).toEqual([{ event: "message", id: "", data: 1 }]);

    const closed = await openSse(url);
    await vi.waitFor(() => expect(closed.comments).toEqual(["connected"]));
    closed.close();
    await vi.waitFor(() => expect(closed.ended).toBe(true));
  });

  it("does not read an answer that is not an event stream, and counts it as ended", async () => {
    const url = await serve((_request, response) => {
      response.writeHead(503, { "content-type": "application/json", "retry-after": "5" });
      response.end('{"error":{"code":"too_many_streams","message":"busy"}}\n\n');
    });
    const refused = await openSse(url);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.ended).toBe(true);
    expect(refused.events).toEqual([]);
  });
});
