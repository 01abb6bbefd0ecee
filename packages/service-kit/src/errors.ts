import { z } from "zod";

/** Options every {@link AppError} accepts besides its message. */
export interface AppErrorOptions {
  /** Machine-readable extra information sent to the client as `error.details`. Default: none. */
  details?: unknown;
  /** The underlying error; logged, never sent to the client. Default: none. */
  cause?: unknown;
  /**
   * Sent as the `Retry-After` header, in whole seconds: when a retry may succeed.
   * Default: the class's (see {@link defineError}), else no header.
   */
  retryAfterSeconds?: number;
}

/**
 * An error the service means to show to the client. The kit's error handler turns it
 * into `statusCode` and the body `{"error": {"code", "message", "details"}}`.
 * Declare subclasses with {@link defineError}, not by hand.
 */
export class AppError extends Error {
  /** Stable snake_case identifier clients can branch on, e.g. `"out_of_stock"`. */
  readonly code: string;
  /** HTTP status sent with this error. */
  readonly statusCode: number;
  /** Sent as `error.details` when present. */
  readonly details: unknown;
  /** Sent as the `Retry-After` header (seconds) when present. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, statusCode: number, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = errorClassName(code);
    this.code = code;
    this.statusCode = statusCode;
    this.details = options.details;
    this.retryAfterSeconds = checkRetryAfter(code, options.retryAfterSeconds);
  }
}

/** A class made by {@link defineError}: `new OutOfStockError()` or `new OutOfStockError("Only 2 left", { details })`. */
export interface AppErrorClass<Code extends string = string> {
  new (message?: string, options?: AppErrorOptions): AppError & { readonly code: Code };
  readonly code: Code;
  readonly statusCode: number;
  readonly defaultMessage: string;
  /** `Retry-After` of every instance that does not name its own. */
  readonly retryAfterSeconds: number | undefined;
}

/** What a class made by {@link defineError} applies to all its instances. */
export interface DefineErrorOptions {
  /** `Retry-After` header in whole seconds, e.g. for a 503 or 429. Default: none. */
  retryAfterSeconds?: number;
}

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * Declare an error class with a fixed code and status, so each domain error lives in
 * one line of a service's `errors.ts`:
 *
 * ```ts
 * export const OutOfStockError = defineError("out_of_stock", 409, "Not enough stock");
 * throw new OutOfStockError(undefined, { details: { sku, available } });
 * ```
 *
 * @param code stable snake_case code; throws `TypeError` if it is not snake_case
 * @param statusCode HTTP status, 400–599; throws `RangeError` otherwise
 * @param defaultMessage message used when the constructor gets none
 * @param classOptions `retryAfterSeconds` for every instance; throws `RangeError` unless
 *   a whole number of seconds, 0 or more
 */
export function defineError<const Code extends string>(
  code: Code,
  statusCode: number,
  defaultMessage: string,
  classOptions: DefineErrorOptions = {},
): AppErrorClass<Code> {
  if (!SNAKE_CASE.test(code)) throw new TypeError(`error code "${code}" is not snake_case`);
  if (!Number.isInteger(statusCode) || statusCode < 400 || statusCode > 599)
    throw new RangeError(`error "${code}": status ${statusCode} is not an HTTP error status`);
  const retryAfterSeconds = checkRetryAfter(code, classOptions.retryAfterSeconds);

  const DefinedError = class extends AppError {
    static readonly code = code;
    static readonly statusCode = statusCode;
    static readonly defaultMessage = defaultMessage;
    static readonly retryAfterSeconds = retryAfterSeconds;
    declare readonly code: Code;

    constructor(message: string = defaultMessage, options: AppErrorOptions = {}) {
      super(code, statusCode, message, { retryAfterSeconds, ...options });
    }
  };
  Object.defineProperty(DefinedError, "name", { value: errorClassName(code) });
  return DefinedError;
}

function checkRetryAfter(code: string, seconds: number | undefined): number | undefined {
  if (seconds === undefined || (Number.isInteger(seconds) && seconds >= 0)) return seconds;
  throw new RangeError(`error "${code}": Retry-After ${seconds} is not a whole number of seconds`);
}

/** `out_of_stock` → `OutOfStockError`, so stack traces and logs name the error. */
function errorClassName(code: string): string {
  const pascal = code
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
  return `${pascal}Error`;
}

/** One field that failed validation, as sent in `validation_failed` details. */
export interface ValidationIssue {
  /** Which part of the request: `body`, `params`, `querystring` or `headers`. */
  location: string;
  /** Dotted path inside that part, e.g. `lines.0.quantity`; empty for the part as a whole. */
  path: string;
  message: string;
}

/** 400: the request's body, params, query or headers do not match the route's schema. */
export const ValidationFailedError = defineError(
  "validation_failed",
  400,
  "The request is not valid",
);
/** 400: the body is not valid JSON (or empty) while the content type says JSON. */
export const InvalidJsonError = defineError(
  "invalid_json",
  400,
  "The request body is not valid JSON",
);
/** 400: any other malformed request, e.g. a bad URL encoding or a body shorter than its Content-Length. */
export const BadRequestError = defineError("bad_request", 400, "The request is malformed");
/** 404: no such route, or no such resource. */
export const NotFoundError = defineError("not_found", 404, "Not found");
/** 413: the body is larger than `BODY_LIMIT_BYTES`. */
export const PayloadTooLargeError = defineError(
  "payload_too_large",
  413,
  "The request body is too large",
);
/** 414: a path parameter is longer than the router accepts. */
export const UriTooLongError = defineError("uri_too_long", 414, "The request URL is too long");
/** 415: the route does not accept the request's content type. */
export const UnsupportedMediaTypeError = defineError(
  "unsupported_media_type",
  415,
  "Unsupported content type; send application/json",
);
/**
 * 401: the route needs a bearer token and the request carries none. Answered with
 * `WWW-Authenticate: Bearer`.
 */
export const UnauthenticatedError = defineError(
  "unauthenticated",
  401,
  "This route needs a bearer token (Authorization: Bearer <token>)",
);
/** 401: the bearer token is malformed, badly signed, expired, or for another audience. */
export const InvalidTokenError = defineError(
  "invalid_token",
  401,
  "The bearer token is invalid or expired",
);
/** 403: the token is valid, but lacks the scope the route needs (`details.scope`). */
export const InsufficientScopeError = defineError(
  "insufficient_scope",
  403,
  "The bearer token lacks the scope this route needs",
);
/** 429: the caller made more requests than its limit allows; retry after `Retry-After`. */
export const RateLimitedError = defineError(
  "rate_limited",
  429,
  "Too many requests; retry after the time in Retry-After",
);
/** 500: a bug. The message never carries the original error's text. */
export const InternalError = defineError("internal_error", 500, "Internal server error");
/** 503: a readiness check fails, or the service is shutting down. */
export const NotReadyError = defineError("not_ready", 503, "The service is not ready");

/**
 * Seconds a client should wait before retrying after `redis_unavailable`: about what a
 * Redis restart with AOF takes, and above ioredis's longest wait between reconnects (2 s).
 */
export const REDIS_RETRY_AFTER_SECONDS = 3;

/**
 * 503: Redis was unreachable, hung, or not serving (loading, failing over) while the
 * request ran. A write whose command reached Redis before the connection dropped may
 * have been applied: retrying is safe where the route is idempotent (an
 * `Idempotency-Key`, a PUT), otherwise read before writing again.
 */
export const RedisUnavailableError = defineError(
  "redis_unavailable",
  503,
  "Redis is unavailable; the request may or may not have taken effect. Retry later",
  { retryAfterSeconds: REDIS_RETRY_AFTER_SECONDS },
);

/**
 * Seconds a client refused with `too_many_streams` should wait: long enough for a few
 * streams to end, short enough that a waiting app reconnects soon.
 */
export const TOO_MANY_STREAMS_RETRY_AFTER_SECONDS = 5;

/**
 * 503: this instance already holds as many server-sent-event streams as its `SseHub`
 * allows (`maxStreams`); retry shortly, or on another instance.
 */
export const TooManyStreamsError = defineError(
  "too_many_streams",
  503,
  "This instance serves as many streams as it may; retry later",
  { retryAfterSeconds: TOO_MANY_STREAMS_RETRY_AFTER_SECONDS },
);

/**
 * 429: the caller (the token's subject) already holds as many server-sent-event streams
 * on this instance as its `SseHub` allows each caller (`maxStreamsPerPrincipal`,
 * `details.limit`); one of them must close first. `Retry-After` as for
 * `too_many_streams`.
 */
export const TooManyPrincipalStreamsError = defineError(
  "too_many_principal_streams",
  429,
  "Too many streams open for this caller; close one and retry",
  { retryAfterSeconds: TOO_MANY_STREAMS_RETRY_AFTER_SECONDS },
);

/** The one error body every error response has. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Zod schema of {@link ErrorBody}, for routes that document their error responses. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable snake_case error code"),
      message: z.string().describe("Human-readable explanation"),
      details: z.unknown().optional().describe("Code-specific extra information"),
    }),
  })
  .describe("Error");

/** The response body for an {@link AppError}. */
export function toErrorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}
