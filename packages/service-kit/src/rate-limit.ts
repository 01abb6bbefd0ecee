import fastifyRateLimit from "@fastify/rate-limit";
import type { RedisClient } from "@retail/bus";
import type { KitApp } from "./app-types.js";
import type { Principal } from "./auth/principal.js";
import type { Scope } from "./auth/scopes.js";
import { RateLimitedError } from "./errors.js";

/** Options of {@link registerRateLimit}. */
export interface RateLimitOptions {
  /** Where the counters live, shared by every instance of the service. */
  redis: RedisClient;
  /** Prefix of the counters' keys: `{<service>}:rate-limit:`, in the service's slot. */
  namespace: string;
  /** Requests one principal may make per window on a route without its own limit. 0: no limit. */
  max: number;
  /** The window, in ms. */
  windowMs: number;
}

/**
 * Rate limits per principal (the token's subject; the client's address on a public
 * route), counted in Redis so that every instance of the service shares them. Past the
 * limit: 429 `rate_limited` with `Retry-After`. A route may set a stricter limit of its
 * own (`config: { rateLimit: { max, timeWindow } }`) or none (`rateLimit: false`). When
 * Redis does not answer, requests pass: the route's own Redis call then answers 503.
 */
export async function registerRateLimit(app: KitApp, options: RateLimitOptions): Promise<void> {
  if (options.max === 0) return;
  await app.register(fastifyRateLimit, {
    redis: options.redis,
    nameSpace: options.namespace,
    max: options.max,
    timeWindow: options.windowMs,
    // The kit's auth ran first (an app hook before these route hooks): the principal is known.
    keyGenerator: (request) =>
      request.principal?.subject ? `principal:${request.principal.subject}` : `ip:${request.ip}`,
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(undefined, {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
        details: { limit: context.max },
      }),
  });
}

/**
 * A route's own limit, stricter than the one per principal: `perMinute` requests a
 * minute per caller, callers holding `exemptScope` (staff, tools) not counted; `0`:
 * none (`false`). For a route's `config.rateLimit`.
 */
export function perMinuteLimit(perMinute: number, exemptScope: Scope) {
  if (perMinute === 0) return false as const;
  return {
    max: perMinute,
    timeWindow: 60_000,
    // Typed here: a service compiled against the kit's built types does not see
    // @fastify/rate-limit's request type.
    allowList: (request: { principal: Principal }) => request.principal.has(exemptScope),
  };
}
