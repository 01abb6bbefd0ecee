import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Upstream } from "../src/upstreams.js";

/** A local HTTP server standing in for one replica of the service behind the gateway. */
export interface Replica {
  readonly upstream: Upstream;
  /** The requests it received, in order, with their bodies. */
  readonly received: {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
  }[];
  close(): Promise<void>;
}

type Answer = (request: IncomingMessage, response: ServerResponse, body: string) => void;

/** By default it answers 200 `{"replica": name, …}` with what it received. */
export async function startReplica(name: string, answer?: Answer): Promise<Replica> {
  const received: Replica["received"] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body,
      });
      if (answer) return answer(request, response, body);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ replica: name, method: request.method, url: request.url, body }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    upstream: { host: "127.0.0.1", port },
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An address nothing listens on: a replica that is gone (connections are refused). */
export async function deadUpstream(): Promise<Upstream> {
  const replica = await startReplica("dead");
  await replica.close();
  return replica.upstream;
}

/** A gateway-like server around `handler` on a free local port, and its base URL. */
export async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
