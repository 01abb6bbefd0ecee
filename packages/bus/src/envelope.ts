import type { Envelope } from "@retail/contracts";
import { decodeWellFormed, isWellFormedMetadata } from "./envelope-fast-decode.js";
import { decodeWithSchema, metadataIssues } from "./envelope-schema-decode.js";
import { EnvelopeError } from "./errors.js";

// Helpers of the schema path that the rest of the bus uses too: the zod issue mapper
// (payloads, messages) and the field map of a raw stream entry.
export { fieldMap, toIssues } from "./envelope-schema-decode.js";
/**
 * The envelope codec: what travels on the bus (the contracts' `Envelope`, whose schema
 * is `envelopeMetadataSchema`) as a flat stream entry, one field per property, the
 * payload as JSON. The bus writes only envelopes that schema accepts, and accepts only
 * those on receipt.
 */
export type { Envelope };

/** A decoded stream entry: the envelope plus transport-only fields. */
export interface DecodedEntry {
  envelope: Envelope<unknown>;
  /** Set on a replayed dead letter: only this consumer group handles it; the others skip it. */
  replayFor?: string | undefined;
}

/**
 * The envelope as stream entry fields, ready for `XADD key … * <fields>`: appended to
 * `fields` when given (the publisher passes its trim arguments: one array per publish).
 * Throws `EnvelopeError`, naming the fields, when the metadata breaks the envelope's
 * schema (an event id that is not a UUIDv7, a partition key with a space…), so that
 * nothing is appended that consumers would refuse.
 */
export function encodeEnvelope(
  envelope: Envelope<unknown>,
  replayFor?: string,
  fields: string[] = [],
): string[] {
  if (!isWellFormedMetadata(envelope)) throw new EnvelopeError(metadataIssues(envelope));
  fields.push(
    "id",
    envelope.id,
    "type",
    envelope.type,
    "version",
    String(envelope.version),
    "occurredAt",
    envelope.occurredAt,
    "source",
    envelope.source,
    "correlationId",
    envelope.correlationId,
  );
  if (envelope.causationId !== undefined) fields.push("causationId", envelope.causationId);
  fields.push("traceparent", envelope.traceparent);
  if (envelope.tracestate !== undefined) fields.push("tracestate", envelope.tracestate);
  fields.push("partitionKey", envelope.partitionKey, "payload", JSON.stringify(envelope.payload));
  if (replayFor !== undefined) fields.push("replayFor", replayFor);
  return fields;
}

/**
 * Decode a stream entry. Throws `EnvelopeError` (and nothing else) when the entry
 * is not a well-formed envelope; the payload is not yet checked against its topic.
 *
 * Well-formed entries take the hand-written fast path; anything it does not accept
 * goes through the zod schema, which names the problems. Each entry is checked once.
 */
export function decodeEnvelope(fields: readonly string[]): DecodedEntry {
  return decodeWellFormed(fields) ?? decodeWithSchema(fields);
}
