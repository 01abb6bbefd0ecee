import type { Catalog } from "@retail/contracts";
import type { Rejection } from "./check-entry.js";
import type { EntryFailures } from "./entry-failures.js";
import type { Envelope } from "./envelope.js";
import { NonRetryableError } from "./errors.js";
import { EventHandlerContext, type HandlerContextSource } from "./handler-context.js";
import type { HeldEntry } from "./held-entry.js";
import type { BusMetrics } from "./metrics.js";
import type { RecentIds } from "./recent-ids.js";
import type { HandlerContext, ResolvedSubscribeOptions } from "./subscription.js";
import { tracingActive, withConsumerSpan } from "./tracing.js";

/** What the runner needs from its consumer, which owns each entry's slot and its ack. */
export interface RunnerHost {
  /** The consumer is stopping: an entry not started yet is given up, not run. */
  stopping(): boolean;
  /** The consumer has closed: a failed entry is given up, not retried. */
  closed(): boolean;
  /** Acknowledge the entry and free its slot. */
  acknowledge(entry: HeldEntry, outcome: "handled" | "duplicate"): void;
  /** Free the entry's slot without acknowledging it: it stays pending for a later delivery. */
  release(entry: HeldEntry): void;
  /** Move the entry to its dead-letter stream, then free its slot. */
  deadLetter(entry: HeldEntry, rejection: Rejection): Promise<void>;
}

export interface EntryRunnerSettings<C extends Catalog> {
  options: ResolvedSubscribeOptions;
  /** The subscription's handler; payloads reach it only after passing the topic's schema. */
  handler: (event: Envelope, context: HandlerContext<C>) => Promise<void> | void;
  metrics: BusMetrics;
  /** The metric labels of the subscription's topic and group, built once. */
  labels: { topic: string; group: string };
  contextSource: HandlerContextSource<C>;
  failures: EntryFailures;
  /** Event ids this consumer acknowledged lately: a copy of one of them is a duplicate. */
  recent: RecentIds;
}

/**
 * Runs an entry's handler until it succeeds, is dead-lettered, or is given up, with
 * backoff between attempts. A synchronous handler that succeeds (with no OpenTelemetry
 * SDK registered) is handled and acknowledged before `run` returns, with no promise made
 * for it: this runs for every event.
 */
export class EntryRunner<C extends Catalog> {
  constructor(
    private readonly settings: EntryRunnerSettings<C>,
    private readonly host: RunnerHost,
  ) {}

  /** Returns a promise only while work remains: an async handler, or a failure to deal with. */
  run(entry: HeldEntry): Promise<void> | undefined {
    const envelope = entry.envelope as Envelope;
    if (entry.lost || this.host.stopping()) {
      this.host.release(entry);
      return undefined;
    }
    if (this.settings.options.idempotency && this.settings.recent.has(envelope.id)) {
      this.host.acknowledge(entry, "duplicate");
      return undefined;
    }
    const started = performance.now();
    let result: unknown;
    try {
      result = this.attempt(entry, envelope);
    } catch (error) {
      return this.retry(entry, envelope, error, started);
    }
    if (!isPromiseLike(result)) {
      this.succeeded(entry, started);
      return undefined;
    }
    return Promise.resolve(result).then(
      () => this.succeeded(entry, started),
      (error: unknown) => this.retry(entry, envelope, error, started),
    );
  }

  /** Call the handler once: in a consumer span when an OpenTelemetry SDK is registered. */
  private attempt(entry: HeldEntry, envelope: Envelope): unknown {
    const { options, handler, contextSource } = this.settings;
    const context = new EventHandlerContext(contextSource, envelope, entry.deliveryCount);
    return tracingActive()
      ? withConsumerSpan(envelope, options.group, async () => handler(envelope, context))
      : handler(envelope, context);
  }

  private succeeded(entry: HeldEntry, started: number): void {
    const { metrics, labels } = this.settings;
    metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
    this.host.acknowledge(entry, "handled");
  }

  /**
   * After a failed attempt: dead-letter the entry, give it up, or wait with backoff and
   * attempt again, until one of those or a success.
   */
  private async retry(
    entry: HeldEntry,
    envelope: Envelope,
    failure: unknown,
    failedStarted: number,
  ): Promise<void> {
    const { options, metrics, labels, failures } = this.settings;
    const firstFailedAt = new Date();
    let error = failure;
    let started = failedStarted;
    for (;;) {
      metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
      metrics.failed.inc(labels);
      if (entry.lost || this.host.closed()) return this.host.release(entry);
      const nonRetryable = error instanceof NonRetryableError;
      if (nonRetryable || entry.deliveryCount >= options.maxDeliveries) {
        return this.host.deadLetter(entry, {
          reason: nonRetryable ? "non_retryable" : "max_deliveries",
          error: (error as Error)?.message ?? String(error),
          attempts: entry.deliveryCount,
          firstFailedAt,
          lastFailedAt: new Date(),
        });
      }
      failures.logFailure(entry, error);
      if (!(await failures.waitToRetry(entry, () => this.host.stopping())))
        return this.host.release(entry);
      metrics.retried.inc(labels);
      started = performance.now();
      try {
        await this.attempt(entry, envelope);
        return this.succeeded(entry, started);
      } catch (next) {
        error = next;
      }
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
