import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@retail/service-kit";

/**
 * When a failed request is tried again:
 * - `always`: after any network failure (refused, reset, timed out) and after a 502,
 *   503 or 504. For requests that are safe to repeat: heartbeats, reads, orders with an
 *   `Idempotency-Key`, cancels.
 * - `unsent`: only when the request cannot have reached the server (connection refused,
 *   host not found). For requests that are not safe to repeat, such as a restock.
 * - `never`.
 */
export type RetryPolicy = "always" | "unsent" | "never";

export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The parsed JSON body; the text for a non-JSON body; `null` when empty. */
  body: unknown;
}

export interface RequestOptions {
  method?: "GET" | "POST";
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Default: `always`. */
  retry?: RetryPolicy;
}

/** What {@link HttpClientOptions.onRetry} is told before each wait. */
export interface RetryEvent {
  method: string;
  url: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  /** Why: an error code (`ECONNREFUSED`, `ETIMEDOUT`, ...) or `status 503`. */
  reason: string;
}

export interface HttpClientOptions {
  /** Budget of one attempt, from sending to the end of the body. */
  timeoutMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** First backoff wait; it doubles on each retry, with full jitter. */
  retryBaseMs: number;
  /** Longest backoff wait. Default 5000. */
  retryMaxMs?: number;
  /** A float in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
  /** Sent as `user-agent` unless a request sets its own. */
  userAgent?: string;
  onRetry?: (event: RetryEvent) => void;
}

/** The client was closed: the request was not sent, or it was aborted. */
export class StoppedError extends Error {
  constructor() {
    super("The HTTP client is stopping");
    this.name = "StoppedError";
  }
}

/** The request failed at the network level on its last attempt. */
export class NetworkError extends Error {
  /** `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `UND_ERR_SOCKET`, ... */
  readonly code: string;
  readonly attempts: number;

  constructor(method: string, url: string, code: string, attempts: number, cause: unknown) {
    super(`${method} ${url} failed (${code}) after ${attempts} attempt(s)`, { cause });
    this.name = "NetworkError";
    this.code = code;
    this.attempts = attempts;
  }
}

const RETRY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** Failures that happen before anything is sent: repeating cannot do anything twice. */
const UNSENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

interface NetworkFailure {
  code: string;
  unsent: boolean;
}

/**
 * `fetch` with a timeout per attempt, retries with exponential backoff, and a bounded
 * stop: {@link HttpClient.close} stops retries at once, lets the requests in flight
 * finish within a grace period, then aborts the rest.
 */
export class HttpClient {
  readonly #options: Required<Omit<HttpClientOptions, "userAgent" | "onRetry">> &
    Pick<HttpClientOptions, "userAgent" | "onRetry">;
  /** Aborted by `close()`: no new requests, no more retries, backoff waits end. */
  readonly #stopping = new AbortController();
  /** Aborted when the grace period of `close()` runs out: fetches in flight end. */
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<HttpResponse>>();

  constructor(options: HttpClientOptions) {
    this.#options = { retryMaxMs: 5_000, random: Math.random, ...options };
  }

  /** Requests started and not yet settled (retries included). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  get stopping(): boolean {
    return this.#stopping.signal.aborted;
  }

  /**
   * Send a request. Resolves with any HTTP status (4xx and 5xx included, after the
   * retries its policy allows); rejects with {@link NetworkError} when the network
   * failed on the last attempt and {@link StoppedError} when the client is closing.
   */
  request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
    if (this.stopping) return Promise.reject(new StoppedError());
    const promise = this.#run(url, options);
    this.#inFlight.add(promise);
    const forget = () => {
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Wait `ms`, or reject with {@link StoppedError} as soon as the client is closing. */
  async sleep(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#stopping.signal });
    } catch {
      throw new StoppedError();
    }
  }

  /**
   * Stop: no new requests or retries; wait up to `graceMs` for the requests in flight,
   * then abort them.
   *
   * @returns how many requests had to be aborted
   */
  async close(graceMs: number): Promise<number> {
    this.#stopping.abort();
    if (this.#inFlight.size === 0) return 0;
    const graceOver = new AbortController();
    const allDone = Promise.allSettled([...this.#inFlight]).then(() => false);
    const timedOut = sleep(graceMs, true, { signal: graceOver.signal }).catch(() => false);
    const aborting = await Promise.race([allDone, timedOut]);
    graceOver.abort();
    if (!aborting) return 0;
    const aborted = this.#inFlight.size;
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight]);
    return aborted;
  }

  async #run(url: string, options: RequestOptions): Promise<HttpResponse> {
    const method = options.method ?? "GET";
    const policy = options.retry ?? "always";
    const { maxAttempts } = this.#options;
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      try {
        const response = await this.#attempt(method, url, options);
        const retryable = policy === "always" && RETRY_STATUSES.has(response.status);
        if (!retryable || attempt >= maxAttempts || this.stopping) return response;
        reason = `status ${response.status}`;
      } catch (error) {
        if (this.#abort.signal.aborted) throw new StoppedError();
        const failure = networkFailure(error);
        if (failure === undefined) throw error;
        const retryable = policy === "always" || (policy === "unsent" && failure.unsent);
        if (!retryable || attempt >= maxAttempts || this.stopping) {
          throw new NetworkError(method, url, failure.code, attempt, error);
        }
        reason = failure.code;
      }
      const delayMs = this.#backoff(attempt);
      this.#options.onRetry?.({ method, url, attempt, delayMs, reason });
      await this.sleep(delayMs);
    }
  }

  async #attempt(method: string, url: string, options: RequestOptions): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#options.userAgent !== undefined) headers["user-agent"] = this.#options.userAgent;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    Object.assign(headers, options.headers);
    const response = await fetch(url, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.any([AbortSignal.timeout(this.#options.timeoutMs), this.#abort.signal]),
    });
    const text = await response.text();
    return {
      status: response.status,
      ok: response.ok,
      headers: response.headers,
      body: parseBody(text, response.headers.get("content-type")),
    };
  }

  /** Full jitter: a random wait between 0 and base × 2^(attempt−1), capped. */
  #backoff(attempt: number): number {
    const { retryBaseMs, retryMaxMs, random } = this.#options;
    const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1));
    return Math.max(1, Math.round(ceiling * random()));
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === "") return null;
  if (contentType?.includes("json")) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** The network failure behind a fetch error, or `undefined` for anything else. */
function networkFailure(error: unknown): NetworkFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === "TimeoutError") return { code: "ETIMEDOUT", unsent: false };
  if (!(error instanceof TypeError)) return undefined;
  const code = errorCode(error.cause) ?? "EFETCH";
  return { code, unsent: UNSENT_CODES.has(code) };
}

/** The first `code` along an error's causes (and inside an AggregateError). */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== "object" || error === null) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === "string") return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = errorCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return errorCode((error as { cause?: unknown }).cause, depth + 1);
}

/** A service the load generator needs before it starts. */
export interface ServiceEndpoint {
  name: string;
  /** The service's base URL; `/health/ready` is appended. */
  url: string;
}

/**
 * Poll each service's `GET /health/ready` until it answers 200, backing off from
 * 250 ms to 5 s and logging every failed look.
 *
 * @throws Error when a service is not ready within `timeoutMs`
 * @throws {StoppedError} when the client closes meanwhile
 */
export async function waitUntilReady(
  http: HttpClient,
  services: readonly ServiceEndpoint[],
  options: { timeoutMs: number; logger: Logger },
): Promise<void> {
  const started = Date.now();
  for (const service of services) {
    let delayMs = 250;
    for (let look = 1; ; look++) {
      const problem = await readinessProblem(http, service);
      if (problem === undefined) {
        options.logger.info({ service: service.name, url: service.url }, "service ready");
        break;
      }
      const waitedMs = Date.now() - started;
      if (waitedMs >= options.timeoutMs) {
        throw new Error(
          `${service.name} (${service.url}) not ready after ${waitedMs} ms: ${problem}`,
        );
      }
      options.logger.info(
        { service: service.name, url: service.url, look, problem, waitedMs },
        "waiting for service",
      );
      await http.sleep(Math.min(delayMs, Math.max(1, options.timeoutMs - waitedMs)));
      delayMs = Math.min(5_000, Math.round(delayMs * 1.6));
    }
  }
}

async function readinessProblem(
  http: HttpClient,
  service: ServiceEndpoint,
): Promise<string | undefined> {
  try {
    const response = await http.request(`${service.url}/health/ready`, { retry: "never" });
    return response.status === 200 ? undefined : `status ${response.status}`;
  } catch (error) {
    if (error instanceof NetworkError) return error.code;
    throw error;
  }
}
