import { createServer } from "node:net";
import { NoFreePortError } from "./errors.js";

/**
 * A port nobody listens on right now: the operating system picks one, and it is
 * released before this resolves. Bind it soon (another process may take it), or use
 * it as an address where connections are refused.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new NoFreePortError(host));
      });
    });
  });
}
