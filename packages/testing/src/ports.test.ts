import { connect, createServer } from "node:net";
import { expect, it } from "vitest";
import { freePort } from "./ports.js";

it("gives a port that nobody listens on and that can be bound at once", async () => {
  const port = await freePort();
  const refused = await new Promise<string>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
  expect(refused).toBe("ECONNREFUSED");

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  await new Promise((resolve) => server.close(resolve));
});
