import { describe, expect, it } from "vitest";
import { toAppError } from "./error-mapping.js";
import {
  AppError,
  BadRequestError,
  defineError,
  InsufficientScopeError,
  InternalError,
  InvalidJsonError,
  InvalidTokenError,
  NotFoundError,
  NotReadyError,
  PayloadTooLargeError,
  RateLimitedError,
  RedisUnavailableError,
  TooManyPrincipalStreamsError,
  TooManyStreamsError,
  toErrorBody,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  UriTooLongError,
  ValidationFailedError,
} from "./errors.js";

describe("defineError", () => {
  const OutOfStockError = defineError("out_of_stock", 409, "Not enough stock");

  it("makes an AppError subclass with a fixed code, status and default message", () => {
    const error = new OutOfStockError();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(OutOfStockError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("out_of_stock");
    expect(error.statusCode).toBe(409);
    expect(error.message).toBe("Not enough stock");
    expect(error.name).toBe("OutOfStockError");
    expect(OutOfStockError.name).toBe("OutOfStockError");
    expect(OutOfStockError.code).toBe("out_of_stock");
    expect(OutOfStockError.statusCode).toBe(409);
  });

  it("takes a specific message, details and cause per instance", () => {
    const cause = new Error("low-level");
    const error = new OutOfStockError("Only 2 left of SKU-1", { details: { available: 2 }, cause });
    expect(error.message).toBe("Only 2 left of SKU-1");
    expect(error.details).toEqual({ available: 2 });
    expect(error.cause).toBe(cause);
  });

  it("gives every instance the class's Retry-After, which an instance may replace", () => {
    const BusyError = defineError("busy", 503, "Busy", { retryAfterSeconds: 5 });
    expect(BusyError.retryAfterSeconds).toBe(5);
    expect(new BusyError().retryAfterSeconds).toBe(5);
    expect(new BusyError("Busy for a while", { retryAfterSeconds: 60 }).retryAfterSeconds).toBe(60);
    expect(new OutOfStockError().retryAfterSeconds).toBeUndefined();
  });

  it("refuses a Retry-After that is not a whole number of seconds", () => {
    expect(() => defineError("busy", 503, "x", { retryAfterSeconds: 1.5 })).toThrow(RangeError);
    expect(() => defineError("busy", 503, "x", { retryAfterSeconds: -1 })).toThrow(RangeError);
  });

  it("refuses codes that are not snake_case and statuses that are not errors", () => {
    expect(() => defineError("OutOfStock", 409, "x")).toThrow(TypeError);
    expect(() => defineError("out-of-stock", 409, "x")).toThrow(TypeError);
    expect(() => defineError("out_of_stock", 200, "x")).toThrow(RangeError);
    expect(() => defineError("out_of_stock", 600, "x")).toThrow(RangeError);
  });
});

describe("the kit's errors", () => {
  it.each([
    { ErrorClass: ValidationFailedError, code: "validation_failed", status: 400 },
    { ErrorClass: InvalidJsonError, code: "invalid_json", status: 400 },
    { ErrorClass: BadRequestError, code: "bad_request", status: 400 },
    { ErrorClass: NotFoundError, code: "not_found", status: 404 },
    { ErrorClass: PayloadTooLargeError, code: "payload_too_large", status: 413 },
    { ErrorClass: UriTooLongError, code: "uri_too_long", status: 414 },
    { ErrorClass: UnsupportedMediaTypeError, code: "unsupported_media_type", status: 415 },
    { ErrorClass: InternalError, code: "internal_error", status: 500 },
    { ErrorClass: NotReadyError, code: "not_ready", status: 503 },
    { ErrorClass: RedisUnavailableError, code: "redis_unavailable", status: 503 },
    { ErrorClass: TooManyStreamsError, code: "too_many_streams", status: 503 },
    { ErrorClass: UnauthenticatedError, code: "unauthenticated", status: 401 },
    { ErrorClass: InvalidTokenError, code: "invalid_token", status: 401 },
    { ErrorClass: InsufficientScopeError, code: "insufficient_scope", status: 403 },
    { ErrorClass: RateLimitedError, code: "rate_limited", status: 429 },
    { ErrorClass: TooManyPrincipalStreamsError, code: "too_many_principal_streams", status: 429 },
  ])("$code is sent with status $status in the error body", ({ ErrorClass, code, status }) => {
    const error = new ErrorClass();
    expect(error.code).toBe(code);
    expect(error.statusCode).toBe(status);
    expect(toErrorBody(error)).toEqual({ error: { code, message: ErrorClass.defaultMessage } });
  });

  it("puts details in the body only when there are some", () => {
    expect(toErrorBody(new NotFoundError("No order 7", { details: { id: 7 } }))).toEqual({
      error: { code: "not_found", message: "No order 7", details: { id: 7 } },
    });
  });
});

describe("toAppError", () => {
  const fastifyError = (code: string, statusCode: number, message = "fastify says no") =>
    Object.assign(new Error(message), { code, statusCode });

  it("passes AppErrors through unchanged", () => {
    const error = new NotFoundError();
    expect(toAppError(error)).toBe(error);
  });

  it.each([
    ["FST_ERR_CTP_INVALID_JSON_BODY", 400, "invalid_json"],
    ["FST_ERR_CTP_EMPTY_JSON_BODY", 400, "invalid_json"],
    ["FST_ERR_CTP_BODY_TOO_LARGE", 413, "payload_too_large"],
    ["FST_ERR_CTP_INVALID_MEDIA_TYPE", 415, "unsupported_media_type"],
    ["FST_ERR_NOT_FOUND", 404, "not_found"],
    ["FST_ERR_MAX_PARAM_LENGTH", 414, "uri_too_long"],
    ["FST_ERR_BAD_URL", 400, "bad_request"],
    ["FST_ERR_CTP_INVALID_CONTENT_LENGTH", 400, "bad_request"],
  ])("maps Fastify's %s to %i %s", (code, status, kitCode) => {
    const mapped = toAppError(fastifyError(code, status));
    expect(mapped.statusCode).toBe(status);
    expect(mapped.code).toBe(kitCode);
  });

  it("names another 4xx after its reason phrase and keeps its status", () => {
    const mapped = toAppError(fastifyError("FST_ERR_SOMETHING", 408, "too slow"));
    expect(mapped).toMatchObject({ code: "request_timeout", statusCode: 408, message: "too slow" });
  });

  it("turns validation errors into validation_failed with dotted field paths", () => {
    const error = Object.assign(new Error("body/lines/0/quantity Too small"), {
      statusCode: 400,
      code: "FST_ERR_VALIDATION",
      validationContext: "body",
      validation: [
        { instancePath: "/lines/0/quantity", message: "Too small" },
        { instancePath: "", message: "Bad object" },
      ],
    });
    const mapped = toAppError(error);
    expect(mapped.code).toBe("validation_failed");
    expect(mapped.statusCode).toBe(400);
    expect(mapped.details).toEqual([
      { location: "body", path: "lines.0.quantity", message: "Too small" },
      { location: "body", path: "", message: "Bad object" },
    ]);
  });

  it("hides everything about bugs behind internal_error", () => {
    for (const thrown of [
      new TypeError("cannot read properties of undefined (reading 'secret')"),
      fastifyError("FST_ERR_RESPONSE_SERIALIZATION", 500),
      "a string",
      undefined,
    ]) {
      const mapped = toAppError(thrown);
      expect(mapped.code).toBe("internal_error");
      expect(mapped.statusCode).toBe(500);
      expect(mapped.message).toBe("Internal server error");
      expect(mapped.cause).toBe(thrown);
    }
  });
});
