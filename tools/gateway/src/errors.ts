/**
 * Every error the gateway throws or answers with, each with a stable `code`
 * (GATEWAY_ERR_…) to switch on without parsing messages.
 */
export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment does not describe a usable gateway: one issue per variable. */
export class GatewayConfigError extends GatewayError {
  constructor(readonly issues: readonly string[]) {
    super("GATEWAY_ERR_INVALID_CONFIG", `invalid configuration: ${issues.join("; ")}`);
  }
}

/** A replica did not accept the connection within the connect timeout. */
export class ConnectTimeoutError extends GatewayError {
  constructor(address: string, timeoutMs: number) {
    super("GATEWAY_ERR_CONNECT_TIMEOUT", `${address} did not accept within ${timeoutMs} ms`);
  }
}

/**
 * What a client gets when the gateway cannot deliver its request: the services'
 * error body (`{"error": {"code", "message"}}`, as the service kit answers), so a
 * client reads one shape whether the service or the gateway refused.
 */
export interface ProxyErrorBody {
  error: { code: ProxyErrorCode; message: string };
}

/**
 * `upstream_unavailable`: no replica accepted a connection (none running, all
 * refusing or too slow), so the request reached no replica and may be retried.
 * `upstream_failed`: a replica took the request and failed before answering, so it
 * may or may not have been processed.
 */
export type ProxyErrorCode = "upstream_unavailable" | "upstream_failed";
