import { setTimeout as sleep } from "node:timers/promises";
import { bearer } from "./stack.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the services under test, checked by the assertions
export type Json = any;

/** Every answer the test got, by status and error code, and the requests that got none. */
export class Tally {
  /** `"201"`, `"409 out_of_stock"`, `"503 redis_unavailable"`, ... → count. */
  readonly answers = new Map<string, number>();
  /** Requests that got no HTTP answer (the service was down or died), by cause. */
  readonly networkErrors = new Map<string, number>();
  /** Attempts repeated after a 503 or a network error. */
  retries = 0;

  answered(status: number, body: Json): void {
    const code = typeof body?.error?.code === "string" ? ` ${body.error.code}` : "";
    bump(this.answers, `${status}${status >= 400 ? code : ""}`);
  }

  failed(cause: string): void {
    bump(this.networkErrors, cause);
  }

  /** How many answers have a key (status and code) that `matches`. */
  count(matches: (key: string) => boolean): number {
    let total = 0;
    for (const [key, count] of this.answers) if (matches(key)) total += count;
    return total;
  }

  /** Answers with a 5xx status other than 503: each one is a bug. */
  serverErrorsBut503(): string[] {
    return [...this.answers.keys()].filter((key) => key.startsWith("5") && !key.startsWith("503"));
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export interface Answer {
  status: number;
  body: Json;
}

/** The staff token of the tests' requests that carry none of their own. */
let staff: Promise<string> | undefined;

/**
 * One request, tallied; `undefined` when no HTTP answer came (refused, reset, timed
 * out). It carries a staff token unless `headers` has an `authorization` of its own.
 */
export async function request(
  tally: Tally,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<(Answer & { retryAfterMs?: number }) | undefined> {
  staff ??= bearer();
  const authorized = { authorization: await staff, ...headers };
  try {
    const response = await fetch(url, {
      method,
      headers:
        body === undefined ? authorized : { "content-type": "application/json", ...authorized },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const answer = { status: response.status, body: await response.json().catch(() => undefined) };
    tally.answered(answer.status, answer.body);
    const retryAfter = Number(response.headers.get("retry-after"));
    return Number.isFinite(retryAfter) && retryAfter > 0
      ? { ...answer, retryAfterMs: retryAfter * 1_000 }
      : answer;
  } catch (error) {
    tally.failed(networkCause(error));
    return undefined;
  }
}

function networkCause(error: unknown): string {
  const { name, cause } = error as { name?: string; cause?: { code?: string } };
  if (name === "TimeoutError") return "timeout";
  return cause?.code ?? name ?? "unknown";
}

/**
 * Send until the answer is neither a 503, a 429 nor missing, as the services document a
 * safe retry: the same request (for `POST /orders`, the same `Idempotency-Key`), after
 * the answer's Retry-After or a short backoff. `undefined` if `giveUpAfterMs` passes first.
 */
export async function untilAnswered(
  tally: Tally,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  giveUpAfterMs = 120_000,
): Promise<Answer | undefined> {
  const deadline = Date.now() + giveUpAfterMs;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    if (attempt > 0) tally.retries += 1;
    const answer = await request(tally, method, url, body, headers);
    // 429: the caller went past its rate limit (the checks read as one staff member)
    if (answer && answer.status !== 503 && answer.status !== 429) return answer;
    const backoffMs = Math.min(2_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
    await sleep(answer?.retryAfterMs ?? backoffMs);
  }
  return undefined;
}

/**
 * Start `next(index)` for index 0, 1, ... at `ratePerSecond` while `keepGoing(sent)`
 * says so, whatever the earlier ones are waiting for (an open loop, like real clients),
 * and resolve to all their results.
 */
export async function atSteadyRate<T>(
  ratePerSecond: number,
  keepGoing: (sent: number) => boolean,
  next: (index: number) => Promise<T>,
): Promise<T[]> {
  const started: Promise<T>[] = [];
  const startedAt = Date.now();
  while (keepGoing(started.length)) {
    started.push(next(started.length));
    const due = startedAt + (started.length * 1_000) / ratePerSecond;
    await sleep(Math.max(0, due - Date.now()));
  }
  return Promise.all(started);
}
