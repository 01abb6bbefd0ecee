import { spawn } from "node:child_process";
import { once } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net from "node:net";
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
  const { port } = server.address() as net.AddressInfo;
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
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An address that never accepts: a process listens there with a one-connection backlog,
 * filled, and then blocks its event loop, so the kernel drops further connection
 * attempts and they hang, as to a replica that stopped answering.
 */
export async function unresponsiveUpstream(): Promise<{
  upstream: Upstream;
  close(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const server = require("node:net").createServer();
       server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
         process.stdout.write(server.address().port + "\\n");
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
       });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  // The backlog holds two connections nobody accepts; after them the queue is full.
  const fillers = [0, 1].map(() => net.connect(port, "127.0.0.1"));
  await Promise.all(fillers.map((socket) => once(socket, "connect")));
  return {
    upstream: { host: "127.0.0.1", port },
    close: async () => {
      for (const socket of fillers) socket.destroy();
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}
