import type { TopicDefinition } from "@retail/contracts";
import type { DeadLetterInput } from "./dead-letter.js";
import { type DecodedEntry, decodeEnvelope, type Envelope, toIssues } from "./envelope.js";
import { EnvelopeError, type ValidationIssue } from "./errors.js";
import type { HeldEntry } from "./held-entry.js";

/** Why an entry cannot be handled: it goes to the dead-letter stream at once. */
export type Rejection = Omit<DeadLetterInput, "handler">;

/**
 * Decode a held entry's envelope and check its payload against the topic's schema.
 * On success the entry carries its envelope (the payload as the schema parsed it) and
 * undefined is returned; otherwise the rejection says why, with the schema's issues.
 */
export function checkEntry(topic: TopicDefinition, entry: HeldEntry): Rejection | undefined {
  let decoded: DecodedEntry;
  try {
    decoded = decodeEnvelope(entry.fields);
  } catch (error) {
    if (error instanceof EnvelopeError)
      return rejection(entry, "invalid_envelope", error.message, error.issues);
    throw error;
  }
  const { envelope } = decoded;
  if (envelope.type !== topic.name)
    return rejection(
      entry,
      "invalid_payload",
      `event type "${envelope.type}" on topic "${topic.name}"`,
    );
  const parsed = topic.schema.safeParse(envelope.payload);
  if (!parsed.success) {
    return rejection(
      entry,
      "invalid_payload",
      `payload does not match ${topic.name} v${topic.version} (event is v${envelope.version})`,
      toIssues(parsed.error),
    );
  }
  // The decoded envelope is this entry's own object: set the parsed payload in place
  // rather than copying ten fields for every event.
  (envelope as { payload: unknown }).payload = parsed.data;
  entry.envelope = envelope as Envelope;
  entry.replayFor = decoded.replayFor;
  return undefined;
}

function rejection(
  entry: HeldEntry,
  reason: Rejection["reason"],
  error: string,
  issues?: ValidationIssue[],
): Rejection {
  const now = new Date();
  return {
    reason,
    error,
    issues,
    attempts: entry.deliveryCount,
    firstFailedAt: now,
    lastFailedAt: now,
  };
}
