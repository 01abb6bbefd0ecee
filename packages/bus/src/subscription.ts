import type { Catalog, PayloadOf, TopicName } from "@retail/contracts";
import type { Logger } from "pino";
import type { Envelope } from "./envelope.js";

/** Options of one subscription. Every one has a default. */
export interface SubscribeOptions {
  /** Consumer group. Default: the bus's service name (one group per subscribing service). */
  group?: string;
  /**
   * Handler slots per partition stream: at most this many entries are held (running, or
   * waiting for their key's turn) at once, and never more are read. An entry waiting
   * to retry holds no slot (it is parked in Redis); entries of its key that wait behind
   * it hold none either, up to ten times this many. Default 16.
   */
  concurrency?: number;
  /**
   * Deliveries before an entry is dead-lettered (`max_deliveries`), counted across
   * processes and including deliveries that never finished: a backstop behind the
   * retry budget, which the default backoff does not reach within the default budget.
   * Default 50.
   */
  maxDeliveries?: number;
  /**
   * Deliveries that ended with no outcome — the consumer died or froze past
   * `claimIdleMs` mid-handler — before the entry is dead-lettered (`stalled`) rather
   * than run again: an event that kills its process stops after this many crashes.
   * Checked before a reclaimed entry runs. Default 3.
   */
  maxStalls?: number;
  /**
   * How long one handler attempt may run. Past it the attempt counts as failed (the
   * entry is retried), its `signal` aborts and its writes through the context are
   * refused; the handler's promise is no longer waited for. Default 30 000.
   */
  handlerTimeoutMs?: number;
  /**
   * Retries of a failed entry. Between attempts the entry is parked in Redis, not held
   * in a slot: other keys go on, and any consumer of the group may take it when due.
   * Backoff: `min(maxDelayMs, initialDelayMs × multiplier^(n−1))`, the upper half of it
   * random.
   */
  retry?: {
    /** Default 100. */
    initialDelayMs?: number;
    /** Default 60 000. */
    maxDelayMs?: number;
    /** Default 2. */
    multiplier?: number;
    /**
     * How long after its first failure an entry is still retried; past it, the next
     * failure dead-letters it (`retry_budget`). A downstream outage shorter than this
     * dead-letters nothing. Default 300 000 (five minutes).
     */
    budgetMs?: number;
  };
  /**
   * An entry pending this long with no sign of life from its consumer is reclaimed by
   * another (`XAUTOCLAIM`). Live consumers refresh their claims every third of it, so
   * a slow handler is never taken away while it runs. Default 30 000.
   */
  claimIdleMs?: number;
  /** How often to look for entries to reclaim. Default 5 000. */
  reclaimIntervalMs?: number;
  /** How long one blocking read waits for new entries before it is issued again. Default 2 000. */
  blockMs?: number;
  /**
   * Where a new consumer group starts: `"new"` (entries appended from now on, the
   * default), `"beginning"` (everything the stream still holds), or a `Date` (replay
   * from that time). Only used when the group does not exist yet.
   */
  startFrom?: "new" | "beginning" | Date;
  /**
   * Skip events this group has already processed (by event id), so a redelivered or
   * republished event has its effect once. Default true.
   */
  idempotency?: boolean;
  /** Name of the handler in logs and dead letters. Default `<group>:<topic>`. */
  name?: string;
  /**
   * How the group's instances share the topic's partitions:
   *
   * - `"competing"` (the default): every instance reads every partition; an entry goes to
   *   whichever reads first. Per-key order holds within one instance only.
   * - `"per-key"`: each partition is handled by one instance of the group at a time,
   *   which holds its lease (fenced by a token) and renews it; the partitions are spread
   *   evenly over the live instances and move when instances join, leave or die. Events
   *   of one key are handled in stream order across instances. Every instance of the
   *   group must subscribe with this mode.
   */
  ordering?: "competing" | "per-key";
  /**
   * With `ordering: "per-key"`: how long a partition's lease (and an instance's place in
   * the group) lasts without renewal, renewed every quarter of it. An instance that dies
   * holds its partitions up to this long before another takes them over. Default 10 000.
   */
  leaseTtlMs?: number;
}

export type ResolvedSubscribeOptions = Required<Omit<SubscribeOptions, "retry">> & {
  retry: Required<NonNullable<SubscribeOptions["retry"]>>;
};

export const SUBSCRIBE_DEFAULTS = {
  concurrency: 16,
  maxDeliveries: 50,
  maxStalls: 3,
  handlerTimeoutMs: 30_000,
  retry: { initialDelayMs: 100, maxDelayMs: 60_000, multiplier: 2, budgetMs: 300_000 },
  claimIdleMs: 30_000,
  reclaimIntervalMs: 5_000,
  blockMs: 2_000,
  startFrom: "new",
  idempotency: true,
  ordering: "competing",
  leaseTtlMs: 10_000,
} as const;

export function resolveSubscribeOptions(
  topic: string,
  service: string,
  options: SubscribeOptions,
): ResolvedSubscribeOptions {
  const group = options.group ?? service;
  const resolved: ResolvedSubscribeOptions = {
    group,
    concurrency: options.concurrency ?? SUBSCRIBE_DEFAULTS.concurrency,
    maxDeliveries: options.maxDeliveries ?? SUBSCRIBE_DEFAULTS.maxDeliveries,
    maxStalls: options.maxStalls ?? SUBSCRIBE_DEFAULTS.maxStalls,
    handlerTimeoutMs: options.handlerTimeoutMs ?? SUBSCRIBE_DEFAULTS.handlerTimeoutMs,
    retry: { ...SUBSCRIBE_DEFAULTS.retry, ...options.retry },
    claimIdleMs: options.claimIdleMs ?? SUBSCRIBE_DEFAULTS.claimIdleMs,
    reclaimIntervalMs: options.reclaimIntervalMs ?? SUBSCRIBE_DEFAULTS.reclaimIntervalMs,
    blockMs: options.blockMs ?? SUBSCRIBE_DEFAULTS.blockMs,
    startFrom: options.startFrom ?? SUBSCRIBE_DEFAULTS.startFrom,
    idempotency: options.idempotency ?? SUBSCRIBE_DEFAULTS.idempotency,
    name: options.name ?? `${group}:${topic}`,
    ordering: options.ordering ?? SUBSCRIBE_DEFAULTS.ordering,
    leaseTtlMs: options.leaseTtlMs ?? SUBSCRIBE_DEFAULTS.leaseTtlMs,
  };
  if (resolved.ordering !== "competing" && resolved.ordering !== "per-key")
    throw new RangeError(`ordering must be "competing" or "per-key", got ${resolved.ordering}`);
  for (const [name, value] of Object.entries({
    concurrency: resolved.concurrency,
    maxDeliveries: resolved.maxDeliveries,
    maxStalls: resolved.maxStalls,
    handlerTimeoutMs: resolved.handlerTimeoutMs,
    claimIdleMs: resolved.claimIdleMs,
    reclaimIntervalMs: resolved.reclaimIntervalMs,
    blockMs: resolved.blockMs,
    leaseTtlMs: resolved.leaseTtlMs,
  })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return resolved;
}

/** Delay before attempt `attempt + 1`, after `attempt` failures: exponential, half of it random. */
export function backoffDelay(retry: ResolvedSubscribeOptions["retry"], attempt: number): number {
  const ceiling = Math.min(
    retry.maxDelayMs,
    retry.initialDelayMs * retry.multiplier ** Math.max(0, attempt - 1),
  );
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * What a handler gets besides the event. To write and publish because of the event,
 * pass it as the `cause` of `bus.commit`: the step continues the event's flow and trace,
 * derives its events' ids from it, and marks it processed with the step's writes.
 */
// biome-ignore lint/correctness/noUnusedVariables: C types the commit this context is the cause of.
export interface HandlerContext<C extends Catalog> {
  /** A child logger carrying the event's correlation id, event id, topic and group. */
  readonly logger: Logger;
  /** 1 on the first delivery; counts deliveries across processes. */
  readonly attempt: number;
  /**
   * Aborted when this attempt times out (`handlerTimeoutMs`), or when the bus closes
   * and its shutdown deadline passes. Pass it to what the handler waits on.
   */
  readonly signal: AbortSignal;
}

/** A subscription's handler: throw to retry, `NonRetryableError` to dead-letter at once. */
export type Handler<C extends Catalog, T extends TopicName<C>> = (
  event: Envelope<PayloadOf<C, T>>,
  context: HandlerContext<C>,
) => Promise<void> | void;
