import { AdminBatchAbortedError, type ValidationIssue } from "./errors.js";
import type { PartitionKeys } from "./keys.js";
import { LuaScript } from "./lua-script.js";
import type { RedisClient } from "./redis.js";

/** Why an entry was dead-lettered. */
export type DeadLetterReason =
  /** Not a well-formed envelope (e.g. a raw XADD of something else). */
  | "invalid_envelope"
  /** The payload does not match the topic's schema, or its type is not the topic's. */
  | "invalid_payload"
  /** The handler failed `maxDeliveries` times. */
  | "max_deliveries"
  /** The handler threw `NonRetryableError`. */
  | "non_retryable"
  /** The handler kept failing for longer than the subscription's retry budget. */
  | "retry_budget"
  /** `maxStalls` deliveries never finished: the entry keeps killing (or freezing) its consumer. */
  | "stalled"
  /** Trimmed from its stream while it waited to be retried; dead-lettered from the fields kept. */
  | "trimmed";

/** A dead-lettered entry, as listed by the admin functions. */
export interface DeadLetter {
  /** Id of the dead letter in its dead-letter stream. */
  id: string;
  topic: string;
  group: string;
  reason: DeadLetterReason;
  /** The last error's message, or the validation problems. */
  error: string;
  issues?: ValidationIssue[] | undefined;
  /** Which subscription failed (`<group>:<topic>` unless named). */
  handler: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  /** Where the entry came from: its partition stream and entry id there. */
  sourceStream: string;
  sourceEntryId: string;
  /** The original entry's fields, verbatim (the envelope, or whatever was written). */
  fields: Record<string, string>;
}

export interface DeadLetterInput {
  reason: DeadLetterReason;
  error: string;
  issues?: ValidationIssue[] | undefined;
  handler: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
}

/**
 * Moves an entry to its dead-letter stream and acknowledges it, only if this consumer
 * still owns it: a consumer that lost the entry to another (it froze past the idle
 * threshold) must not dead-letter what the other may be handling right now. Drops
 * the entry's retry record too. Dead-letter streams are never trimmed: a dead letter
 * stays until it is replayed or purged.
 */
const MOVE_OWNED = LuaScript.load(new URL("./move-to-dead-letter-3.lua", import.meta.url));

/**
 * Move an entry to its dead-letter stream and acknowledge it, in one script, if this
 * consumer still owns it (the keys share a hash tag: atomic on Redis Cluster too).
 * Resolves to false when another consumer owns it now and nothing was written.
 */
export async function moveToDeadLetter(
  redis: RedisClient,
  keys: PartitionKeys,
  target: { group: string; consumer: string; entryId: string; fields: readonly string[] },
  input: DeadLetterInput,
): Promise<boolean> {
  const record = [
    "reason",
    input.reason,
    "error",
    input.error,
    "handler",
    input.handler,
    "group",
    target.group,
    "attempts",
    String(input.attempts),
    "firstFailedAt",
    input.firstFailedAt.toISOString(),
    "lastFailedAt",
    input.lastFailedAt.toISOString(),
    "sourceStream",
    keys.stream,
    "sourceEntryId",
    target.entryId,
    "entry",
    JSON.stringify(target.fields),
  ];
  if (input.issues) record.push("issues", JSON.stringify(input.issues));
  const moved = await MOVE_OWNED.run(
    redis,
    [keys.stream, keys.deadLetters, keys.retryRecords],
    [target.group, target.consumer, target.entryId, ...record],
  );
  return moved === 1;
}

/**
 * Parse a dead-letter stream entry. `group` (from the stream's key) stands in when the
 * entry lacks one. A damaged `entry` or `issues` field reads as empty rather than
 * failing: one bad dead letter must not hide the others from an operator.
 */
export function parseDeadLetter(
  topic: string,
  id: string,
  flat: readonly string[],
  group = "",
): DeadLetter {
  const map: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2)
    map[flat[index] as string] = flat[index + 1] as string;
  const entry = parseJson(map.entry);
  const fields: Record<string, string> = {};
  if (Array.isArray(entry)) {
    for (let index = 0; index + 1 < entry.length; index += 2)
      fields[String(entry[index])] = String(entry[index + 1]);
  }
  const issues = parseJson(map.issues);
  return {
    id,
    topic,
    group: map.group ?? group,
    reason: (map.reason ?? "max_deliveries") as DeadLetterReason,
    error: map.error ?? "",
    issues: Array.isArray(issues) ? (issues as ValidationIssue[]) : undefined,
    handler: map.handler ?? "",
    attempts: Number(map.attempts ?? 0),
    firstFailedAt: map.firstFailedAt ?? "",
    lastFailedAt: map.lastFailedAt ?? "",
    sourceStream: map.sourceStream ?? "",
    sourceEntryId: map.sourceEntryId ?? "",
    fields,
  };
}

/**
 * Append a dead letter's original entry to its stream again, marked for its group only
 * (`replayFor`), and delete the dead letter — one MULTI, same slot. The event keeps
 * its id, so a group that did process it after all drops it as a duplicate. Throws
 * `AdminBatchAbortedError` when the MULTI comes back with no replies (it is unknown
 * whether it ran), or the error of a command that failed in it.
 */
export async function replayDeadLetter(
  redis: RedisClient,
  deadLetterStream: string,
  deadLetter: DeadLetter,
): Promise<void> {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(deadLetter.fields)) {
    if (name !== "replayFor") fields.push(name, value);
  }
  fields.push("replayFor", deadLetter.group);
  const results = await redis
    .multi()
    .xadd(deadLetter.sourceStream, "*", ...fields)
    .xdel(deadLetterStream, deadLetter.id)
    .exec();
  if (!results) throw new AdminBatchAbortedError(2);
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
