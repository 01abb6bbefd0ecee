import { STATUS_CODES } from "node:http";
import {
  AppError,
  BadRequestError,
  InternalError,
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  RedisUnavailableError,
  UnsupportedMediaTypeError,
  UriTooLongError,
  ValidationFailedError,
  type ValidationIssue,
} from "./errors.js";
import { isRedisUnavailable } from "./redis-unavailable.js";

/** Fastify's own request errors that map to a dedicated kit code. */
const FASTIFY_ERRORS: Record<string, (cause: unknown) => AppError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (cause) => new InvalidJsonError(undefined, { cause }),
  FST_ERR_CTP_EMPTY_JSON_BODY: (cause) =>
    new InvalidJsonError("The request body is empty but the content type is application/json", {
      cause,
    }),
  FST_ERR_CTP_BODY_TOO_LARGE: (cause) => new PayloadTooLargeError(undefined, { cause }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (cause) => new UnsupportedMediaTypeError(undefined, { cause }),
  FST_ERR_NOT_FOUND: (cause) => new NotFoundError(undefined, { cause }),
  FST_ERR_MAX_PARAM_LENGTH: (cause) => new UriTooLongError(undefined, { cause }),
};

interface ErrorLike {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

/**
 * Turn anything thrown while handling a request into the {@link AppError} the client
 * sees. Client mistakes keep their 4xx status; Redis being away (see
 * {@link isRedisUnavailable}) is a 503 `redis_unavailable` with `Retry-After`;
 * everything else is an `internal_error` whose message says nothing about the original
 * error.
 */
export function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  if (typeof thrown !== "object" || thrown === null)
    return new InternalError(undefined, { cause: thrown });
  const error = thrown as ErrorLike;

  if (Array.isArray(error.validation)) {
    const location = typeof error.validationContext === "string" ? error.validationContext : "body";
    return new ValidationFailedError(undefined, {
      details: error.validation.map((issue) => toValidationIssue(location, issue)),
      cause: thrown,
    });
  }

  if (typeof error.code === "string") {
    const known = FASTIFY_ERRORS[error.code];
    if (known) return known(thrown);
  }

  if (isRedisUnavailable(thrown)) return new RedisUnavailableError(undefined, { cause: thrown });

  const status = typeof error.statusCode === "number" ? error.statusCode : 500;
  if (status >= 400 && status < 500) return clientError(status, error, thrown);
  return new InternalError(undefined, { cause: thrown });
}

/**
 * A 4xx raised by Fastify or a plugin without a dedicated kit code: keep its status,
 * name it after the status's reason phrase (`408` → `request_timeout`).
 */
function clientError(status: number, error: ErrorLike, cause: unknown): AppError {
  const message = typeof error.message === "string" && error.message ? error.message : undefined;
  if (status === 400) return new BadRequestError(message, { cause });
  const reason = STATUS_CODES[status] ?? "Client Error";
  const code = reason
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
  return new AppError(code, status, message ?? reason, { cause });
}

function toValidationIssue(location: string, issue: unknown): ValidationIssue {
  const { instancePath, message } = (issue ?? {}) as { instancePath?: unknown; message?: unknown };
  return {
    location,
    path: typeof instancePath === "string" ? toDottedPath(instancePath) : "",
    message: typeof message === "string" ? message : "is invalid",
  };
}

/** `/lines/0/quantity` (JSON pointer, as validators report it) → `lines.0.quantity`. */
function toDottedPath(pointer: string): string {
  return pointer
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");
}
