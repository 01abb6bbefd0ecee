import type { KitApp } from "./app-types.js";
import { NotReadyError, toErrorBody } from "./errors.js";

/**
 * Something the service needs before it can take traffic (Redis, the bus, ...).
 * `check()` throws (or rejects) when not ready; its message is shown in `/health/ready`.
 */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void> | void;
}

/** Body of `GET /health/ready`. A failing one also carries the kit's `error` object. */
export interface ReadinessReport {
  status: "ready" | "not_ready";
  /** `"ok"` or the check's error message, by check name. */
  checks: Record<string, string>;
}

/** Reject with `message` if `work` has not settled after `timeoutMs`. */
export async function withTimeout<T>(
  work: Promise<T> | T,
  timeoutMs: number,
  message: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve(work), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run all checks at once, each bounded by `timeoutMs`. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const outcomes = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, string]> => {
      try {
        // check() may throw synchronously; keep that inside the try.
        await withTimeout(
          Promise.resolve().then(() => check()),
          timeoutMs,
          `timed out after ${timeoutMs} ms`,
        );
        return [name, "ok"];
      } catch (error) {
        return [name, error instanceof Error && error.message ? error.message : String(error)];
      }
    }),
  );
  const ready = outcomes.every(([, outcome]) => outcome === "ok");
  return { status: ready ? "ready" : "not_ready", checks: Object.fromEntries(outcomes) };
}

/**
 * `GET /health/live`: 200 while the process runs.
 * `GET /health/ready`: 200 when every check passes, else 503 with each check's outcome.
 */
export function registerHealthRoutes(
  app: KitApp,
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): void {
  // Probes arrive every few seconds; logging each one at info would drown the rest.
  // Open: orchestrators probe without credentials, and the answers reveal no data.
  const options = {
    schema: { hide: true },
    logLevel: "warn",
    // Never 429 a probe: an orchestrator would restart a healthy instance.
    config: { public: true, rateLimit: false },
  } as const;
  app.get("/health/live", options, async () => ({ status: "ok" }));

  app.get("/health/ready", options, async (_request, reply) => {
    const report = await runReadinessChecks(checks, timeoutMs);
    if (report.status === "ready") return report;
    const failing = Object.entries(report.checks)
      .filter(([, outcome]) => outcome !== "ok")
      .map(([name]) => name);
    const error = new NotReadyError(`Failing readiness checks: ${failing.join(", ")}`);
    return reply.code(error.statusCode).send({ ...report, ...toErrorBody(error) });
  });
}

/** Anything that answers `PING`: an ioredis `Redis` or `Cluster`. */
export interface PingableRedis {
  ping(): Promise<string>;
  /** ioredis connection state; when present and not `"ready"` the check fails at once. */
  readonly status?: string;
}

/**
 * A readiness check that sends `PING` and fails if Redis does not answer `PONG` within
 * `timeoutMs`, or if the client is not connected.
 *
 * @param options.name check name in `/health/ready`. Default: `"redis"`
 * @param options.timeoutMs how long to wait for `PONG`. Default: `1000`
 */
export function redisReadinessCheck(
  client: PingableRedis,
  options: { name?: string; timeoutMs?: number } = {},
): ReadinessCheck {
  const timeoutMs = options.timeoutMs ?? 1000;
  return {
    name: options.name ?? "redis",
    async check() {
      // A disconnected client would queue the PING until it reconnects; say so now.
      if (client.status !== undefined && client.status !== "ready")
        throw new NotReadyError(`Redis connection is ${client.status}`);
      const reply = await withTimeout(
        client.ping(),
        timeoutMs,
        `Redis did not answer PING within ${timeoutMs} ms`,
      );
      if (reply !== "PONG")
        throw new NotReadyError(`Redis answered PING with ${JSON.stringify(reply)}`);
    },
  };
}
