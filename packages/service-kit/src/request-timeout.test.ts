import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import type { KitApp } from "./app-types.js";
import { testIdentity } from "./auth/test-identity.js";
import { createServiceContext } from "./context.js";

describe("HTTP_REQUEST_TIMEOUT_MS", () => {
  let app: KitApp | undefined;
  afterEach(async () => {
    await app?.close();
  });

  it("answers 408 and closes the connection of a client that never finishes sending its request", async () => {
    app = await buildApp({
      context: createServiceContext({
        name: "timeouts",
        env: { PORT: "0", LOG_LEVEL: "silent", HTTP_REQUEST_TIMEOUT_MS: "300" },
      }),
      auth: (await testIdentity()).verifier,
      routes: async (routes) => {
        routes.post("/telemetry", { config: { public: true } }, async () => ({ ok: true }));
      },
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString();
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    // Headers promise 1000 bytes; 10 arrive, and then nothing (a slow-loris client).
    socket.write(
      'POST /telemetry HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"events":',
    );
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});
