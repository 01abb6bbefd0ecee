import http from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayConfig } from "./config.js";
import type { Log } from "./log.js";
import { createProxyHandler } from "./proxy.js";
import { dnsUpstreams, type Lookup } from "./upstreams.js";

export interface Gateway {
  /** The port it listens on (the configured one, or the one the system chose for 0). */
  readonly port: number;
  /**
   * Stop accepting, let open exchanges finish for up to `shutdownTimeoutMs`, then cut
   * whatever is left (a streaming answer would otherwise hold the stop forever).
   */
  close(): Promise<void>;
}

/** Listen on `config.host:config.port` and proxy every request to the upstream's replicas. */
export async function startGateway(
  config: GatewayConfig,
  dependencies: { log: Log; lookup?: Lookup },
): Promise<Gateway> {
  const { log } = dependencies;
  const upstreams = dnsUpstreams({
    hostname: config.upstreamHost,
    port: config.upstreamPort,
    refreshMs: config.refreshMs,
    lookup: dependencies.lookup,
    onLookupError: (error) =>
      log("warn", { err: String(error) }, "lookup failed; using the last known replicas"),
  });
  const server = http.createServer(
    createProxyHandler({
      upstreams,
      name: config.upstreamHost,
      connectTimeoutMs: config.connectTimeoutMs,
      onUpstreamError: ({ upstream, phase, error }) =>
        log(
          "warn",
          { upstream, phase, err: error.message },
          `${config.upstreamHost} replica failed`,
        ),
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
