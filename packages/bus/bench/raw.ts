/**
 * The raw-ioredis baseline's event: what a hand-written producer would append for the
 * same event — the envelope's field names and sizes (a random UUID, a timestamp, the
 * ~200-byte payload as JSON), trimmed the same way — without validation, tracing,
 * timeouts or metrics.
 */
import { randomUUID } from "node:crypto";
import { type BenchPayload, benchPayload } from "./catalog.js";
import { config } from "./config.js";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** `XADD <key> <these…>`: trim arguments, `*`, the fields. */
export function rawXaddArgs(seq: number, payload: BenchPayload = benchPayload(seq)): string[] {
  const id = randomUUID();
  return [
    "MAXLEN",
    "~",
    String(config.retention),
    "*",
    "id",
    id,
    "type",
    "bench.event",
    "version",
    "1",
    "occurredAt",
    new Date().toISOString(),
    "source",
    "bench",
    "correlationId",
    id,
    "traceparent",
    TRACEPARENT,
    "partitionKey",
    payload.orderId,
    "payload",
    JSON.stringify(payload),
  ];
}

/** The payload of a raw entry's fields (`[name, value, …]`), parsed; undefined if absent. */
export function rawPayload(fields: readonly string[]): BenchPayload | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2)
    if (fields[index] === "payload") return JSON.parse(fields[index + 1] as string) as BenchPayload;
  return undefined;
}

/** Entries of a one-stream XREADGROUP reply under RESP3 "legacy" (`[key, entries]`) or RESP2 (`[[key, entries]]`). */
export function replyEntries(reply: unknown): [string, string[]][] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === "string") return (reply[1] ?? []) as [string, string[]][];
  return ((reply[0] as unknown[] | undefined)?.[1] ?? []) as [string, string[]][];
}
