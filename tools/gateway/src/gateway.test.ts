import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { deadUpstream, startReplica } from "../test/replicas.js";
import { parseConfig } from "./config.js";
import { startGateway } from "./gateway.js";
import { createLog } from "./log.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function started(shutdownTimeoutMs: number) {
  const replica = await startReplica("a", (request, response) => {
    if (request.url !== "/events") return void response.end('{"replica":"a"}');
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write("data: open\n\n");
  });
  cleanups.push(replica.close);
  const config = parseConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    UPSTREAM: `shipping:${replica.upstream.port}`,
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
  });
  // "shipping" resolves, as compose's DNS would, to the replica
  const gateway = await startGateway(config, {
    log: createLog("silent"),
    lookup: async () => ["127.0.0.1"],
  });
  return { gateway, url: `http://127.0.0.1:${gateway.port}` };
}

describe("startGateway", () => {
  it("answers on its port from the replicas the upstream name resolves to", async () => {
    const { gateway, url } = await started(1_000);
    cleanups.push(gateway.close);
    expect(await (await fetch(`${url}/shipments`)).json()).toEqual({ replica: "a" });
  });

  it("logs a replica that refused, as one JSON line", async () => {
    const dead = await deadUpstream();
    const lines: string[] = [];
    const config = parseConfig({ HOST: "127.0.0.1", PORT: "0", UPSTREAM: `shipping:${dead.port}` });
    const gateway = await startGateway(config, {
      log: createLog("info", (line) => lines.push(line)),
      lookup: async () => ["127.0.0.1"],
    });
    cleanups.push(gateway.close);
    expect((await fetch(`http://127.0.0.1:${gateway.port}/`)).status).toBe(502);
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        level: 40,
        name: "gateway",
        phase: "connect",
        upstream: { host: "127.0.0.1", port: dead.port },
        msg: "shipping replica failed",
      }),
    );
  });

  it("closes, cutting a streaming answer still open once the shutdown timeout is over", async () => {
    const { gateway, url } = await started(0);
    const ended = new Promise<void>((resolve) => {
      http.get(`${url}/events`, (response) => {
        response.once("data", () => void gateway.close());
        response.once("close", () => resolve());
        response.resume();
      });
    });
    await ended;
  });
});
