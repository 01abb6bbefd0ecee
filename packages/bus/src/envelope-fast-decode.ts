import {
  type EnvelopeMetadata,
  fields as fieldRules,
  MAX_SOURCE_LENGTH,
  MAX_TRACESTATE_LENGTH,
  MAX_VERSION,
  TOPIC_NAME_PATTERN,
} from "@retail/contracts";
import type { DecodedEntry } from "./envelope.js";
import { MAX_REPLAY_FOR_LENGTH, VERSION_TEXT } from "./envelope-schema-decode.js";
import { isTraceparent } from "./traceparent.js";

/**
 * The fast path of `decodeEnvelope`. It checks exactly what the contracts'
 * `envelopeMetadataSchema` checks, with the same patterns and limits, in one pass and
 * without building a field map: about a tenth of the zod parse, which was the largest
 * cost of handling an event besides reading it from Redis. A property test holds it to
 * the schema path.
 */

const { ID_MAX_LENGTH, TIMESTAMP_PATTERN } = fieldRules;

/**
 * The contracts' `ID_PATTERN` and `ID_MAX_LENGTH` by hand (1–128 visible ASCII
 * characters): a third faster than the regex, and the envelope has three ids.
 */
export function isId(value: string | undefined): value is string {
  if (value === undefined || value.length < 1 || value.length > ID_MAX_LENGTH) return false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

const DASH = 45;
const isHex = (code: number) => (code >= 48 && code <= 57) || (code >= 97 && code <= 102);

/**
 * The contracts' `EVENT_ID_PATTERN` (a lower-case UUIDv7) by hand: the regex costs
 * ~0.1 µs an event, a fifth of the envelope's checks.
 */
export function isEventId(value: string | undefined): value is string {
  if (value === undefined || value.length !== 36) return false;
  for (let index = 0; index < 36; index++) {
    const code = value.charCodeAt(index);
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== DASH) return false;
    } else if (!isHex(code)) return false;
  }
  // The version nibble is 7; the variant's top bits are 10 (8, 9, a or b).
  const variant = value.charCodeAt(19);
  return (
    value.charCodeAt(14) === 55 &&
    (variant === 56 || variant === 57 || variant === 97 || variant === 98)
  );
}

/** Envelope metadata whose fields may be missing, as read from a stream entry or given to encode. */
export type MetadataCandidate = {
  readonly [Field in keyof EnvelopeMetadata]?: EnvelopeMetadata[Field] | undefined;
};

/** Whether `metadata` passes `envelopeMetadataSchema`, checked by hand. */
export function isWellFormedMetadata(metadata: MetadataCandidate): metadata is EnvelopeMetadata {
  const { version, source, tracestate, causationId } = metadata;
  return (
    isEventId(metadata.id) &&
    metadata.type !== undefined &&
    TOPIC_NAME_PATTERN.test(metadata.type) &&
    Number.isInteger(version) &&
    (version as number) >= 1 &&
    (version as number) <= MAX_VERSION &&
    metadata.occurredAt !== undefined &&
    TIMESTAMP_PATTERN.test(metadata.occurredAt) &&
    source !== undefined &&
    source.length >= 1 &&
    source.length <= MAX_SOURCE_LENGTH &&
    isId(metadata.correlationId) &&
    (causationId === undefined || isId(causationId)) &&
    metadata.traceparent !== undefined &&
    isTraceparent(metadata.traceparent) &&
    (tracestate === undefined || tracestate.length <= MAX_TRACESTATE_LENGTH) &&
    isId(metadata.partitionKey)
  );
}

/**
 * The decoded entry when `fields` are a well-formed envelope, undefined when anything
 * is off (unknown or repeated field names included) so that the schema path can say what.
 */
export function decodeWellFormed(fields: readonly string[]): DecodedEntry | undefined {
  if (fields.length % 2 !== 0) return undefined;
  let id: string | undefined;
  let type: string | undefined;
  let version: string | undefined;
  let occurredAt: string | undefined;
  let source: string | undefined;
  let correlationId: string | undefined;
  let causationId: string | undefined;
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  let partitionKey: string | undefined;
  let payloadText: string | undefined;
  let replayFor: string | undefined;
  let seen = 0;
  for (let index = 0; index < fields.length; index += 2) {
    const value = fields[index + 1] as string;
    let bit: number;
    switch (fields[index]) {
      case "id":
        id = value;
        bit = 1;
        break;
      case "type":
        type = value;
        bit = 2;
        break;
      case "version":
        version = value;
        bit = 4;
        break;
      case "occurredAt":
        occurredAt = value;
        bit = 8;
        break;
      case "source":
        source = value;
        bit = 16;
        break;
      case "correlationId":
        correlationId = value;
        bit = 32;
        break;
      case "causationId":
        causationId = value;
        bit = 64;
        break;
      case "traceparent":
        traceparent = value;
        bit = 128;
        break;
      case "tracestate":
        tracestate = value;
        bit = 256;
        break;
      case "partitionKey":
        partitionKey = value;
        bit = 512;
        break;
      case "payload":
        payloadText = value;
        bit = 1024;
        break;
      case "replayFor":
        replayFor = value;
        bit = 2048;
        break;
      default:
        return undefined;
    }
    if (seen & bit) return undefined;
    seen |= bit;
  }
  if (
    version === undefined ||
    !VERSION_TEXT.test(version) ||
    payloadText === undefined ||
    (replayFor !== undefined && (replayFor.length < 1 || replayFor.length > MAX_REPLAY_FOR_LENGTH))
  )
    return undefined;
  const envelope = {
    id,
    type,
    version: Number(version),
    occurredAt,
    source,
    correlationId,
    causationId,
    traceparent,
    tracestate,
    partitionKey,
    payload: undefined as unknown,
  };
  if (!isWellFormedMetadata(envelope)) return undefined;
  try {
    envelope.payload = JSON.parse(payloadText);
  } catch {
    return undefined;
  }
  return { envelope, replayFor };
}
