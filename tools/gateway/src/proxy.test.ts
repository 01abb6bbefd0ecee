import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  deadUpstream,
  type Replica,
  serve,
  startReplica,
  unresponsiveUpstream,
} from "../test/replicas.js";
import { createProxyHandler, type UpstreamErrorEvent } from "./proxy.js";
import type { Upstream, UpstreamSource } from "./upstreams.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function replica(name: string, answer?: Parameters<typeof startReplica>[1]) {
  const started = await startReplica(name, answer);
  cleanups.push(started.close);
  return started;
}

/** The gateway's handler over a fixed list (or `fresh` for the list a new lookup finds). */
async function gateway(
  known: readonly Upstream[],
  fresh: readonly Upstream[] = known,
  connectTimeoutMs = 1_000,
) {
  const errors: UpstreamErrorEvent[] = [];
  const upstreams: UpstreamSource = {
    current: async (options) => (options?.fresh ? fresh : known),
  };
  const server = await serve(
    createProxyHandler({
      upstreams,
      name: "shipping",
      connectTimeoutMs,
      onUpstreamError: (event) => errors.push(event),
    }),
  );
  cleanups.push(server.close);
  return { url: server.url, errors };
}

const replicaOf = async (response: Response) =>
  ((await response.json()) as { replica: string }).replica;

describe("the gateway's proxy", () => {
  it("sends each request to the next replica in turn", async () => {
    const [a, b] = [await replica("a"), await replica("b")];
    const { url } = await gateway([a.upstream, b.upstream]);
    const answered: string[] = [];
    for (let index = 0; index < 4; index += 1)
      answered.push(await replicaOf(await fetch(`${url}/shipments`)));
    expect(answered).toEqual(["a", "b", "a", "b"]);
  });

  it("passes method, path, body and end-to-end headers through, and the answer back unchanged", async () => {
    const target = await replica("a", (_request, response) => {
      response.writeHead(201, [
        "Content-Type",
        "application/json",
        "Set-Cookie",
        "one=1",
        "Set-Cookie",
        "two=2",
        "X-Correlation-Id",
        "corr-1",
        "Keep-Alive",
        "timeout=99",
      ]);
      response.end('{"created":true}');
    });
    const { url } = await gateway([target.upstream]);

    // node:http, not fetch: fetch will not send a Connection header
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.request(`${url}/shipments/s-1/cancel?reason=customer`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-correlation-id": "corr-1",
          "idempotency-key": "key-1",
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          connection: "keep-alive, x-hop",
          "x-hop": "for the next hop only",
          te: "trailers",
          "proxy-authorization": "Basic Z2F0ZXdheTpvbmx5",
          "x-forwarded-for": "10.0.0.1",
        },
      });
      request.once("response", resolve).once("error", reject);
      request.end('{"why":"changed my mind"}');
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);

    expect(response.statusCode).toBe(201);
    expect(Buffer.concat(chunks).toString()).toBe('{"created":true}');
    expect(response.headers["set-cookie"]).toEqual(["one=1", "two=2"]);
    expect(response.headers["x-correlation-id"]).toBe("corr-1");
    // the replica's connection settings are its own, not the client's
    expect(response.headers["keep-alive"]).not.toBe("timeout=99");
    const [seen] = target.received;
    expect(seen).toMatchObject({
      method: "POST",
      url: "/shipments/s-1/cancel?reason=customer",
      body: '{"why":"changed my mind"}',
      headers: {
        "content-type": "application/json",
        "x-correlation-id": "corr-1",
        "idempotency-key": "key-1",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "x-forwarded-for": "10.0.0.1, 127.0.0.1",
      },
    });
    for (const hopByHop of ["x-hop", "te", "proxy-authorization"])
      expect(seen?.headers[hopByHop]).toBeUndefined();
  });

  it("tries the next replica when one refuses the connection, with the whole body, whatever the method", async () => {
    const live = await replica("live");
    const { url, errors } = await gateway([await deadUpstream(), live.upstream]);
    for (let index = 0; index < 2; index += 1) {
      const response = await fetch(`${url}/orders`, { method: "POST", body: `order ${index}` });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ replica: "live", body: `order ${index}` });
    }
    expect(live.received).toHaveLength(2);
    expect(errors.map(({ phase }) => phase)).toEqual(["connect"]);
  });

  it("tries the next replica when one does not accept within the connect timeout", async () => {
    const silent = await unresponsiveUpstream();
    cleanups.push(silent.close);
    const live = await replica("live");
    const { url, errors } = await gateway([silent.upstream, live.upstream], undefined, 200);
    const response = await fetch(`${url}/orders`, { method: "POST", body: "after a timeout" });
    expect(await response.json()).toMatchObject({ replica: "live", body: "after a timeout" });
    expect(errors).toMatchObject([
      {
        phase: "connect",
        error: { code: "GATEWAY_ERR_CONNECT_TIMEOUT" },
        upstream: silent.upstream,
      },
    ]);
  });

  it("answers 502 upstream_unavailable with a JSON error body when no replica accepts", async () => {
    const { url } = await gateway([await deadUpstream(), await deadUpstream()]);
    const response = await fetch(`${url}/shipments`);
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: {
        code: "upstream_unavailable",
        message: "No shipping replica accepted the connection (tried 2)",
      },
    });
  });

  it("answers 502 upstream_unavailable when no replica is running at all", async () => {
    const { url } = await gateway([]);
    const response = await fetch(`${url}/shipments`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: { code: "upstream_unavailable", message: "No shipping replica is running" },
    });
  });

  it("looks the replicas up again when every known one refused, and reaches the replacement", async () => {
    const replacement = await replica("replacement");
    const { url } = await gateway([await deadUpstream()], [replacement.upstream]);
    expect(await replicaOf(await fetch(`${url}/shipments`))).toBe("replacement");
  });

  it("answers 502 upstream_failed, and tries no other replica, when one fails after taking the request", async () => {
    const failing = await replica("failing", (request) => request.socket.destroy());
    const other = await replica("other");
    const { url, errors } = await gateway([failing.upstream, other.upstream]);
    const response = await fetch(`${url}/orders`, { method: "POST", body: "once only" });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "upstream_failed",
    );
    expect(other.received).toEqual([]);
    expect(errors.map(({ phase }) => phase)).toEqual(["exchange"]);
  });

  it("streams the answer as the replica writes it, and stops the replica's stream when the client leaves", async () => {
    let sendMore: () => void = () => {};
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    const streaming: Replica = await replica("stream", (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n");
      sendMore = () => response.write("data: second\n\n");
      response.once("close", () => upstreamClosed());
    });
    const { url, errors } = await gateway([streaming.upstream]);

    const chunks: string[] = [];
    const request = http.get(`${url}/events`);
    await new Promise<void>((resolve) => {
      request.once("response", (response) => {
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          chunks.push(chunk);
          // the first event arrived while the replica's answer is still open
          if (chunks.length === 1) sendMore();
          if (chunks.join("").includes("second")) resolve();
        });
      });
    });
    expect(chunks.join("")).toBe("data: first\n\ndata: second\n\n");

    request.destroy();
    await closed;
    // the client left: that is no replica's failure
    expect(errors).toEqual([]);
  });

  it("ends the exchange with the replica when the client leaves before the answer, reporting no failure", async () => {
    let requestArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      requestArrived = resolve;
    });
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    const slow = await replica("slow", (_request, response) => {
      response.once("close", () => upstreamClosed());
      requestArrived(); // and never answers
    });
    const { url, errors } = await gateway([slow.upstream]);

    const request = http.get(`${url}/shipments`);
    request.on("error", () => {});
    await arrived;
    request.destroy();
    await closed;
    expect(errors).toEqual([]);
  });
});
