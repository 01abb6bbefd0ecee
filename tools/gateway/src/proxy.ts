import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { ConnectTimeoutError, type ProxyErrorBody, type ProxyErrorCode } from "./errors.js";
import type { Upstream, UpstreamSource } from "./upstreams.js";

export interface ProxyOptions {
  upstreams: UpstreamSource;
  /** The service behind the gateway, as error messages name it, e.g. `"shipping"`. */
  name: string;
  /** How long one replica may take to accept a connection before the next is tried. */
  connectTimeoutMs: number;
  /** A replica that refused, timed out or failed mid-request (for the log). */
  onUpstreamError?: (event: UpstreamErrorEvent) => void;
}

export interface UpstreamErrorEvent {
  /** Absent when the replicas could not even be listed (`lookup`). */
  upstream?: Upstream;
  /** `connect`: nothing was sent, the next replica is tried. `exchange`: the request was sent. */
  phase: "lookup" | "connect" | "exchange";
  error: Error;
}

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), so they
 * are never passed on; `expect` too, since this server already answered `100 Continue`.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

/**
 * A request handler that sends each request to the next replica in turn (round robin)
 * and streams the answer back unchanged. A replica that does not accept the connection
 * has seen nothing of the request, so the next one is tried, whatever the method; once
 * one has accepted, its answer (or its failure) is final. Every request gets a
 * connection of its own: a pooled one to a replica that has just died would fail only
 * after the request went out, when it can no longer be retried.
 */
export function createProxyHandler(
  options: ProxyOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  let turn = 0;

  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const start = turn++;
    const tried = new Set<string>();
    const tryEach = async (upstreams: readonly Upstream[]) => {
      for (let index = 0; index < upstreams.length; index += 1) {
        const upstream = upstreams[(start + index) % upstreams.length] as Upstream;
        const address = `${upstream.host}:${upstream.port}`;
        if (tried.has(address)) continue;
        tried.add(address);
        if (await forward(request, response, upstream, options)) return true;
      }
      return false;
    };
    if (await tryEach(await options.upstreams.current())) return;
    // Every known replica refused: one may have been replaced under a new address.
    if (await tryEach(await options.upstreams.current({ fresh: true }))) return;
    answerError(
      response,
      "upstream_unavailable",
      tried.size === 0
        ? `No ${options.name} replica is running`
        : `No ${options.name} replica accepted the connection (tried ${tried.size})`,
    );
  };

  return (request, response) => {
    route(request, response).catch((error: unknown) => {
      // Only an UpstreamSource that rejects gets here: answered like an outage, and logged.
      answerError(response, "upstream_unavailable", `Could not list the ${options.name} replicas`);
      options.onUpstreamError?.({
        phase: "lookup",
        error: error instanceof Error ? error : new Error(String(error)),
      });
    });
  };
}

/**
 * Send `request` to `upstream`. Resolves false if the replica did not accept the
 * connection (the request body is still unread, ready for the next one), true once it
 * did: from then on this attempt owns the response.
 */
function forward(
  request: IncomingMessage,
  response: ServerResponse,
  upstream: Upstream,
  options: ProxyOptions,
): Promise<boolean> {
  return new Promise((resolve) => {
    let connected = false;
    const outgoing = http.request({
      host: upstream.host,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: forwardedHeaders(request),
      agent: false,
    });
    const timer = setTimeout(
      () =>
        outgoing.destroy(
          new ConnectTimeoutError(`${upstream.host}:${upstream.port}`, options.connectTimeoutMs),
        ),
      options.connectTimeoutMs,
    );

    const onConnect = () => {
      connected = true;
      clearTimeout(timer);
      resolve(true);
      // Destroyed without an error: no 'error' follows, so no replica is blamed for it.
      const abandon = () => outgoing.destroy();
      if (response.destroyed) return abandon();
      // The client went away: stop the exchange (and a streaming answer) upstream too.
      response.once("close", () => {
        if (!response.writableFinished) abandon();
      });
      request.once("error", abandon);
      request.pipe(outgoing);
    };
    outgoing.once("socket", (socket) => {
      if (socket.connecting) socket.once("connect", onConnect);
      else onConnect();
    });

    outgoing.on("error", (error) => {
      clearTimeout(timer);
      options.onUpstreamError?.({ upstream, phase: connected ? "exchange" : "connect", error });
      if (!connected) return resolve(false);
      if (response.headersSent) response.destroy(error);
      else
        answerError(
          response,
          "upstream_failed",
          `The ${options.name} replica failed before answering; the request may have been processed`,
        );
    });

    outgoing.once("response", (incoming) => {
      response.writeHead(
        incoming.statusCode ?? 502,
        incoming.statusMessage,
        withoutHopByHop(incoming.rawHeaders),
      );
      incoming.once("error", (error) => response.destroy(error));
      incoming.pipe(response);
    });
  });
}

/** The client's headers for the replica: end to end ones only, plus who asked. */
function forwardedHeaders(request: IncomingMessage): http.OutgoingHttpHeaders {
  const dropped = connectionTokens(request.headers.connection);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !dropped.has(name)) headers[name] = value;
  }
  const client = request.socket.remoteAddress;
  if (client) {
    const before = request.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = before ? `${before}, ${client}` : client;
  }
  return headers;
}

/** A response's raw header list (name, value, name, value, …) without hop-by-hop ones. */
function withoutHopByHop(raw: readonly string[]): string[] {
  const names: string[] = [];
  for (let index = 0; index < raw.length; index += 2)
    names.push((raw[index] as string).toLowerCase());
  const connection = names.flatMap((name, index) =>
    name === "connection" ? [raw[index * 2 + 1] as string] : [],
  );
  const dropped = connectionTokens(connection.join(","));
  const kept: string[] = [];
  names.forEach((name, index) => {
    if (!HOP_BY_HOP.has(name) && !dropped.has(name))
      kept.push(raw[index * 2] as string, raw[index * 2 + 1] as string);
  });
  return kept;
}

/** The header names a `Connection` header lists: hop-by-hop too, by its sender's word. */
function connectionTokens(value: string | undefined): Set<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

function answerError(response: ServerResponse, code: ProxyErrorCode, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } } satisfies ProxyErrorBody);
  response.writeHead(502, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}
