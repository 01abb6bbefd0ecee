import type { TopicDefinition } from "@retail/contracts";
import type { DeadLetterInput } from "./dead-letter.js";
import { type DecodedEntry, decodeEnvelope, toIssues } from "./envelope.js";
import { EnvelopeError, type ValidationIssue } from "./errors.js";

/** Why an entry cannot be handled: it goes to the dead-letter stream at once. */
export type Rejection = Omit<DeadLetterInput, "handler">;

/**
 * An event of a schema version newer than this consumer's: not checked, not handled
 * here, but left for a consumer that knows the version (during a rolling deploy). Kept
 * with its payload unchecked: enough to order it by key and to name it in logs.
 */
export interface UnknownVersion extends DecodedEntry {
  unknownVersion: number;
}

/**
 * Decode a stream entry's envelope and check its payload against the topic's schema.
 * A valid entry comes back decoded, its payload as the schema parsed it; otherwise the
 * rejection says why, with the schema's issues — also when the schema itself throws (a
 * transform or refinement with a bug): nothing on the way to a handler may leave an
 * entry stuck. An event of a newer version than the topic's is not checked at all.
 * `deliveries` (this one included) is what a rejection counts as its attempts.
 */
export function checkEntry(
  topic: TopicDefinition,
  fields: readonly string[],
  deliveries: number,
): DecodedEntry | UnknownVersion | Rejection {
  let decoded: DecodedEntry;
  try {
    decoded = decodeEnvelope(fields);
  } catch (error) {
    if (error instanceof EnvelopeError)
      return rejection(deliveries, "invalid_envelope", error.message, error.issues);
    return rejection(deliveries, "invalid_envelope", `decoding threw: ${String(error)}`);
  }
  const { envelope } = decoded;
  if (envelope.type !== topic.name)
    return rejection(
      deliveries,
      "invalid_payload",
      `event type "${envelope.type}" on topic "${topic.name}"`,
    );
  if (envelope.version > topic.version)
    return { envelope, replayFor: decoded.replayFor, unknownVersion: envelope.version };
  let parsed: ReturnType<typeof topic.schema.safeParse>;
  try {
    parsed = topic.schema.safeParse(envelope.payload);
  } catch (error) {
    return rejection(
      deliveries,
      "invalid_payload",
      `checking the payload against ${topic.name} v${topic.version} threw: ${(error as Error)?.message ?? String(error)}`,
    );
  }
  if (!parsed.success) {
    return rejection(
      deliveries,
      "invalid_payload",
      `payload does not match ${topic.name} v${topic.version} (event is v${envelope.version})`,
      toIssues(parsed.error),
    );
  }
  // The decoded envelope is this entry's own object: set the parsed payload in place
  // rather than copying ten fields for every event.
  (envelope as { payload: unknown }).payload = parsed.data;
  return decoded;
}

function rejection(
  deliveries: number,
  reason: Rejection["reason"],
  error: string,
  issues?: ValidationIssue[],
): Rejection {
  const now = new Date();
  return {
    reason,
    error,
    issues,
    attempts: deliveries,
    firstFailedAt: now,
    lastFailedAt: now,
  };
}

/** A replayed dead letter of another group, recognised from its raw fields (for entries that fail their checks). */
export function replayedForAnother(fields: readonly string[], group: string): boolean {
  for (let index = 0; index + 1 < fields.length; index += 2)
    if (fields[index] === "replayFor") return fields[index + 1] !== group;
  return false;
}
