import fastifyCors from "@fastify/cors";
import {
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  fastify,
  LogController,
} from "fastify";
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { KitApp, RoutesPlugin } from "./app-types.js";
import { assertEveryRouteGuarded, registerAuth } from "./auth/route-auth.js";
import type { TokenVerifier } from "./auth/verifier.js";
import type { BaseConfig } from "./config.js";
import type { ServiceContext } from "./context.js";
import { CORRELATION_ID_HEADER, correlationIdFrom } from "./correlation-id.js";
import { toAppError } from "./error-mapping.js";
import { NotFoundError, NotReadyError, toErrorBody } from "./errors.js";
import { type ReadinessCheck, registerHealthRoutes } from "./health.js";
import { registerHttpTracing } from "./http-tracing.js";
import { registerMetrics } from "./metrics.js";
import { type OpenApiOptions, registerOpenApi } from "./openapi.js";
import { type RateLimitOptions, registerRateLimit } from "./rate-limit.js";

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** From `createServiceContext`: config, logger and metrics registry. */
  context: ServiceContext<BaseConfig>;
  /**
   * Verifies bearer tokens (`tokenVerifierFromConfig`). Every route must declare the
   * scope it needs, or `public`; a route declaring neither makes `buildApp` throw.
   */
  auth: TokenVerifier;
  /** Rate limits per principal (`registerRateLimit`). Default: none. */
  rateLimit?: RateLimitOptions;
  /** The service's routes, registered after the kit's. Default: none. */
  routes?: RoutesPlugin;
  /** What `/health/ready` runs. Default: none (always ready). */
  readinessChecks?: readonly ReadinessCheck[];
  /** Budget of each readiness check, in ms. Default: `2000`. */
  readinessTimeoutMs?: number;
  /** OpenAPI document details. Default: titled after the service, version `0.0.0`. */
  openapi?: OpenApiOptions;
}

/**
 * Build a ready Fastify app with everything the kit provides: zod validation and
 * serialization, correlation ids, CORS when `CORS_ORIGINS` lists origins, bearer-token
 * authentication with a scope declared by every route (deny by default), the error
 * model, `/health/live`, `/health/ready`, `/metrics`, `/docs` and `/docs/json`, then the
 * service's `routes`.
 * Test it with `app.inject()`; serve it with `startService`.
 */
export async function buildApp(options: BuildAppOptions): Promise<KitApp> {
  const { context } = options;
  const app = fastify({
    // Widened to Fastify's logger type so the app matches plugins typed with the default.
    loggerInstance: context.logger as FastifyBaseLogger,
    bodyLimit: context.config.BODY_LIMIT_BYTES,
    requestTimeout: context.config.HTTP_REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(10_000, context.config.HTTP_REQUEST_TIMEOUT_MS),
      // Node checks the timeouts above only this often (default 30 s).
      connectionsCheckingInterval: Math.min(1_000, context.config.HTTP_REQUEST_TIMEOUT_MS),
    },
    // Ids in the contracts may be 128 characters, more once percent-encoded; Fastify's
    // default of 100 would answer 414 to a valid id.
    routerOptions: { maxParamLength: 512 },
    // The kit reads and validates the header itself, see correlationIdFrom.
    requestIdHeader: false,
    genReqId: (request) => correlationIdFrom(request.headers),
    logController: new LogController({ requestIdLogLabel: "correlationId" }),
    // Fastify's own 503 while closing has a different body; onRequest answers instead.
    return503OnClosing: false,
    // Malformed URLs never reach the error handler; answer them in the same shape.
    frameworkErrors: (error, request, reply) => {
      reply.header(CORRELATION_ID_HEADER, request.id);
      sendError(error, request, reply);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body would otherwise reach the schema as a string.
  app.removeContentTypeParser("text/plain");
  registerHttpTracing(app);

  // First, so error answers (a 404, a 409, ...) carry the headers too: a browser page
  // can only read an error body that it is allowed to read.
  await registerCors(app, context.config.CORS_ORIGINS);

  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header(CORRELATION_ID_HEADER, request.id);
    if (closing) {
      reply.header("connection", "close");
      throw new NotReadyError("The service is shutting down");
    }
  });
  // Before any route, so each one is recorded and checked; after the hooks above, so a
  // request to a closing service is answered 503 whoever sends it.
  const guards = registerAuth(app, options.auth);
  if (options.rateLimit) await registerRateLimit(app, options.rateLimit);
  registerMetrics(app, context.metrics);

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request) => {
    const path = request.url.split("?", 1)[0];
    throw new NotFoundError(`No route ${request.method} ${path}`);
  });

  await registerOpenApi(app, context.name, options.openapi ?? {});
  registerHealthRoutes(app, options.readinessChecks ?? [], options.readinessTimeoutMs ?? 2000);
  if (options.routes) await app.register(options.routes);
  await app.ready();
  assertEveryRouteGuarded(guards());
  return app;
}

/** Headers a browser page may read from a cross-origin answer (besides the safelisted ones). */
const EXPOSED_HEADERS = [CORRELATION_ID_HEADER, "idempotent-replayed", "retry-after"];

/**
 * CORS for the allowed `origins` (`["*"]`: any); none, no CORS headers at all. A
 * preflight `OPTIONS` is answered `204` with the allowed methods, the requested
 * headers and a max age of ten minutes.
 */
async function registerCors(app: KitApp, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(fastifyCors, {
    origin: origins.includes("*") ? "*" : [...origins],
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    // A bare OPTIONS (no Origin or Access-Control-Request-Method) gets the same 204
    // rather than the plugin's text/plain 400, which would break the error model.
    strictPreflight: false,
  });
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  // A 500 is a bug; another 5xx (Redis away, shutting down) is expected in operation.
  if (appError.statusCode === 500) request.log.error({ err: error }, appError.message);
  else if (appError.statusCode > 500)
    request.log.warn({ code: appError.code, err: error }, appError.message);
  else request.log.info({ code: appError.code }, appError.message);
  if (appError.retryAfterSeconds !== undefined)
    reply.header("retry-after", String(appError.retryAfterSeconds));
  return reply.code(appError.statusCode).send(toErrorBody(appError));
}
