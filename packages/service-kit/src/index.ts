export { type BuildAppOptions, buildApp } from "./app.js";
export type { KitApp, RoutesPlugin } from "./app-types.js";
export {
  DEV_KEY_ID_PREFIX,
  type DevSigningKey,
  devSigningKeyFrom,
  devSigningKeyIn,
  generateDevSigningKey,
  JWKS_FILE,
  SIGNING_KEY_FILE,
  type TokenClaims,
} from "./auth/dev-keys.js";
export { ANONYMOUS, type Principal, principal } from "./auth/principal.js";
export {
  assertEveryRouteGuarded,
  type RouteGuard,
  RouteWithoutScopeError,
  withRouteDefaults,
} from "./auth/route-auth.js";
export {
  DASHBOARD_SCOPES,
  isScope,
  SCOPE_NAMES,
  SCOPES,
  type Scope,
} from "./auth/scopes.js";
export {
  createTokenVerifier,
  TOKEN_ALGORITHMS,
  type TokenVerifier,
  type TokenVerifierOptions,
  tokenVerifierFromConfig,
} from "./auth/verifier.js";
export { type BusOptionsFromConfig, busOptionsFromConfig } from "./bus-options.js";
export {
  type BaseConfig,
  baseConfigSchema,
  type ClusterNodeAddress,
  ConfigError,
  type ConfigIssue,
  type Env,
  envInt,
  loadConfig,
  redactConfig,
} from "./config.js";
export {
  createServiceContext,
  type ServiceContext,
  type ServiceContextOptions,
} from "./context.js";
export {
  CORRELATION_ID_HEADER,
  correlationIdFrom,
  isWellFormedCorrelationId,
} from "./correlation-id.js";
export { defineService } from "./define-service.js";
export { toAppError } from "./error-mapping.js";
export {
  AppError,
  type AppErrorClass,
  type AppErrorOptions,
  BadRequestError,
  type DefineErrorOptions,
  defineError,
  type ErrorBody,
  errorBodySchema,
  InsufficientScopeError,
  InternalError,
  InvalidJsonError,
  InvalidTokenError,
  NotFoundError,
  NotReadyError,
  PayloadTooLargeError,
  RateLimitedError,
  REDIS_RETRY_AFTER_SECONDS,
  RedisUnavailableError,
  TOO_MANY_STREAMS_RETRY_AFTER_SECONDS,
  TooManyPrincipalStreamsError,
  TooManyStreamsError,
  toErrorBody,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  UriTooLongError,
  ValidationFailedError,
  type ValidationIssue,
} from "./errors.js";
export { forTopics } from "./handlers.js";
export {
  type PingableRedis,
  type ReadinessCheck,
  type ReadinessReport,
  redisReadinessCheck,
} from "./health.js";
export { HTTP_TRACER_NAME } from "./http-tracing.js";
export {
  type CreateLoggerOptions,
  createLogger,
  type Logger,
  REDACTED_LOG_PATHS,
} from "./logger.js";
export {
  Counter,
  Gauge,
  Histogram,
  HTTP_DURATION_METRIC,
  type Registry,
  Summary,
  UNMATCHED_ROUTE,
} from "./metrics.js";
export { DOCS_PREFIX, type OpenApiOptions } from "./openapi.js";
export { perMinuteLimit, type RateLimitOptions, registerRateLimit } from "./rate-limit.js";
export { CLUSTER_RETRY, createRedisClient, type RedisClientOptions } from "./redis-client.js";
export { isRedisUnavailable } from "./redis-unavailable.js";
export { type RunServiceIo, runService } from "./run-service.js";
export type {
  BackgroundTask,
  ConfigOf,
  CreateServiceOptions,
  HandlerEntry,
  Handlers,
  MainHandle,
  ServiceDefinition,
  ServiceDefinitionOptions,
  ServiceInstance,
  ServiceInstanceOf,
  ServiceMainOptions,
  ServiceParts,
  ServiceSetup,
} from "./service-types.js";
export {
  SseHub,
  type SseOptions,
  type SseReply,
  type SseRequest,
  SseStream,
  type SseStreamOptions,
  sseFrame,
} from "./sse.js";
export {
  type RunningService,
  ShutdownError,
  type ShutdownHook,
  type StartServiceOptions,
  startService,
} from "./start.js";
export {
  type StartTracingOptions,
  startTracing,
  type Tracing,
  TracingAlreadyStartedError,
} from "./tracing.js";
