import { z } from "zod";
import { EnvelopeError, type ValidationIssue } from "./errors.js";

/**
 * What travels on the bus: the payload plus the metadata every hop needs. Stored
 * as a flat stream entry, one field per property, the payload as JSON.
 */
export interface Envelope<Payload = unknown> {
  /** Publisher-assigned unique id (UUIDv7: time-ordered). Consumers deduplicate by it. */
  readonly id: string;
  /** The topic name, e.g. `order.placed`. */
  readonly type: string;
  /** Schema version of the payload. */
  readonly version: number;
  /** When the publisher says the event happened (ISO 8601, UTC). */
  readonly occurredAt: string;
  /** The publishing service. */
  readonly source: string;
  /** The id shared by every event of one business flow (e.g. one order's saga). */
  readonly correlationId: string;
  /** The id of the event that caused this one; absent for the first event of a flow. */
  readonly causationId?: string | undefined;
  /** W3C trace context of the hop that published the event. */
  readonly traceparent: string;
  readonly tracestate?: string | undefined;
  /** Events with the same partition key go to the same partition and are handled in order. */
  readonly partitionKey: string;
  readonly payload: Payload;
}

/** A decoded stream entry: the envelope plus transport-only fields. */
export interface DecodedEntry {
  envelope: Envelope<unknown>;
  /** Set on a replayed dead letter: only this consumer group handles it; the others skip it. */
  replayFor?: string | undefined;
}

const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const text = (max: number) => z.string().min(1).max(max);

const entrySchema = z.object({
  id: text(128),
  type: text(200),
  version: z.string().regex(/^[1-9]\d{0,8}$/, "a positive integer"),
  occurredAt: z.iso.datetime({ offset: true }),
  source: text(100),
  correlationId: text(200),
  causationId: text(200).optional(),
  traceparent: z.string().regex(TRACEPARENT, "a W3C traceparent"),
  tracestate: z.string().max(512).optional(),
  partitionKey: z.string().max(512),
  payload: z.string(),
  replayFor: text(200).optional(),
});

/**
 * The envelope as stream entry fields, ready for `XADD key … * <fields>`: appended to
 * `fields` when given (the publisher passes its trim arguments: one array per publish).
 */
export function encodeEnvelope(
  envelope: Envelope<unknown>,
  replayFor?: string,
  fields: string[] = [],
): string[] {
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

/**
 * Decode a stream entry. Throws `EnvelopeError` (and nothing else) when the entry
 * is not a well-formed envelope; the payload is not yet checked against its topic.
 *
 * Well-formed entries take a hand-written path that checks exactly what `entrySchema`
 * checks, in one pass and without building a field map: it costs about a tenth of the
 * zod parse, which was the largest cost of handling an event besides reading it from
 * Redis. Anything it does not accept goes through `entrySchema`, which names the
 * problems. A property test holds the two paths to the same answers.
 */
export function decodeEnvelope(fields: readonly string[]): DecodedEntry {
  return decodeWellFormed(fields) ?? decodeWithSchema(fields);
}

/** The schema path: slower, and says what is wrong. Exported for the agreement test. */
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
      version: Number(entry.version),
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

const DATETIME = z.regexes.datetime({ offset: true, local: false, precision: null });
const VERSION = /^[1-9]\d{0,8}$/;
const isText = (value: string | undefined, max: number): value is string =>
  value !== undefined && value.length >= 1 && value.length <= max;
const isOptionalText = (value: string | undefined, max: number) =>
  value === undefined || (value.length >= 1 && value.length <= max);

const DASH = 45;
const ZERO = 48;

/**
 * {@link TRACEPARENT} by hand: `vv-<32 hex, not all 0>-<16 hex, not all 0>-ff`. The
 * regex's lookaheads cost ~1.5 µs an event on the consume path; this costs a tenth.
 */
export function isTraceparent(value: string): boolean {
  if (
    value.length !== 55 ||
    value.charCodeAt(2) !== DASH ||
    value.charCodeAt(35) !== DASH ||
    value.charCodeAt(52) !== DASH
  )
    return false;
  let traceIdSet = false;
  let spanIdSet = false;
  for (let index = 0; index < 55; index++) {
    if (index === 2 || index === 35 || index === 52) continue;
    const code = value.charCodeAt(index);
    if (!((code >= ZERO && code <= 57) || (code >= 97 && code <= 102))) return false;
    if (code !== ZERO) {
      if (index > 2 && index < 35) traceIdSet = true;
      else if (index > 35 && index < 52) spanIdSet = true;
    }
  }
  return traceIdSet && spanIdSet;
}

/**
 * The fast path of {@link decodeEnvelope}: the decoded entry when `fields` are a
 * well-formed envelope, undefined when anything is off (unknown or repeated field
 * names included) so that the schema path can say what.
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
    !isText(id, 128) ||
    !isText(type, 200) ||
    version === undefined ||
    !VERSION.test(version) ||
    occurredAt === undefined ||
    !DATETIME.test(occurredAt) ||
    !isText(source, 100) ||
    !isText(correlationId, 200) ||
    !isOptionalText(causationId, 200) ||
    traceparent === undefined ||
    !isTraceparent(traceparent) ||
    (tracestate !== undefined && tracestate.length > 512) ||
    partitionKey === undefined ||
    partitionKey.length > 512 ||
    payloadText === undefined ||
    !isOptionalText(replayFor, 200)
  )
    return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    return undefined;
  }
  return {
    envelope: {
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
      payload,
    },
    replayFor,
  };
}

/** zod issues as `{path: "lines.0.sku", message}`. */
export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}
