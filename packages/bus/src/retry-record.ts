/**
 * What a group keeps in Redis about an entry that failed or waits to be retried, so
 * that whichever consumer takes it next goes on where the last one stopped: the retry
 * budget runs from the first failure, and the entry's fields survive its stream
 * entry being trimmed (it is then dead-lettered from them).
 */
export interface RetryRecord {
  /** Handler attempts that failed so far (thrown or timed out). */
  failures: number;
  /** ISO time of the first failure: the retry budget runs from it. Empty if none yet. */
  firstFailedAt: string;
  lastFailedAt: string;
  /** The last failure's message. */
  error: string;
  /** The entry's fields as JSON (`["id", "…", …]`), as a dead letter keeps them. */
  entry: string;
}

/** The record of an entry that has not failed (yet): parked for a reason of its own. */
export function freshRecord(fields: readonly string[]): RetryRecord {
  return {
    failures: 0,
    firstFailedAt: "",
    lastFailedAt: "",
    error: "",
    entry: JSON.stringify(fields),
  };
}

export function encodeRecord(record: RetryRecord): string {
  return JSON.stringify(record);
}

/** A record as read back from Redis; anything unreadable counts as no record. */
export function decodeRecord(text: unknown): RetryRecord | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<RetryRecord>;
    return {
      failures: Number(parsed.failures) || 0,
      firstFailedAt: String(parsed.firstFailedAt ?? ""),
      lastFailedAt: String(parsed.lastFailedAt ?? ""),
      error: String(parsed.error ?? ""),
      entry: String(parsed.entry ?? "[]"),
    };
  } catch {
    return undefined;
  }
}
