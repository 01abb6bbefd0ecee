import { envelopeMetadataSchema } from "@retail/contracts";
import { z } from "zod";
import type { DecodedEntry } from "./envelope.js";
import { EnvelopeError, type ValidationIssue } from "./errors.js";

/** A stream entry's `version`: decimal digits of a positive integer, no sign or exponent. */
export const VERSION_TEXT = /^[1-9]\d*$/;

/** The longest `replayFor` (a consumer group name). */
export const MAX_REPLAY_FOR_LENGTH = 200;

/**
 * A stream entry: the contracts' envelope metadata, with the version as text and the
 * payload as JSON text (stream fields are strings), plus the bus's transport field.
 */
const entrySchema = envelopeMetadataSchema.extend({
  version: z
    .string()
    .regex(VERSION_TEXT, "a positive integer")
    .transform(Number)
    .pipe(envelopeMetadataSchema.shape.version),
  payload: z.string(),
  /** Set on a replayed dead letter: the one consumer group that handles it. */
  replayFor: z.string().min(1).max(MAX_REPLAY_FOR_LENGTH).optional(),
});

/**
 * The slow path of `decodeEnvelope`: the zod parse, which names every problem. Used for
 * the entries the fast path refuses, and by the test that holds the two to one answer.
 */
export function decodeWithSchema(fields: readonly string[]): DecodedEntry {
  const parsed = entrySchema.safeParse(fieldMap(fields));
  if (!parsed.success) throw new EnvelopeError(toIssues(parsed.error));
  const entry = parsed.data;
  let payload: unknown;
  try {
    payload = JSON.parse(entry.payload);
  } catch (error) {
    throw new EnvelopeError([
      { path: "payload", message: `not JSON: ${(error as Error).message}` },
    ]);
  }
  return {
    envelope: {
      id: entry.id,
      type: entry.type,
      version: entry.version,
      occurredAt: entry.occurredAt,
      source: entry.source,
      correlationId: entry.correlationId,
      causationId: entry.causationId,
      traceparent: entry.traceparent,
      tracestate: entry.tracestate,
      partitionKey: entry.partitionKey,
      payload,
    },
    replayFor: entry.replayFor,
  };
}

/** What is wrong with an envelope's metadata, by the contracts' schema. */
export function metadataIssues(metadata: unknown): ValidationIssue[] {
  const parsed = envelopeMetadataSchema.safeParse(metadata);
  return parsed.success ? [] : toIssues(parsed.error);
}

/** Stream entry fields (`[name, value, name, value, …]`) as a map; repeated names are an error. */
export function fieldMap(fields: readonly string[]): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const name = fields[index] as string;
    if (name in map)
      throw new EnvelopeError([{ path: name, message: "field appears more than once" }]);
    map[name] = fields[index + 1] as string;
  }
  if (fields.length % 2 !== 0)
    throw new EnvelopeError([{ path: "", message: "odd number of field names and values" }]);
  return map;
}

/** zod issues as `{path: "lines.0.sku", message}`. */
export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}
