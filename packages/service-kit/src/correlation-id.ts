import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Request and response header carrying the correlation id. */
export const CORRELATION_ID_HEADER = "x-correlation-id";

// Bounded and free of spaces, quotes and control characters, so a client cannot
// inject log fields, split headers or blow up log lines.
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Whether a client-sent correlation id is used as is (1–128 of `A-Z a-z 0-9 . _ : -`). */
export function isWellFormedCorrelationId(value: unknown): value is string {
  return typeof value === "string" && WELL_FORMED.test(value);
}

/** The request's `x-correlation-id` if well-formed, else a new UUID. */
export function correlationIdFrom(headers: IncomingHttpHeaders): string {
  const sent = headers[CORRELATION_ID_HEADER];
  return isWellFormedCorrelationId(sent) ? sent : randomUUID();
}
