import type { Catalog } from "@retail/contracts";
import type { EntryFailures } from "./entry-failures.js";
import type { EntryOutcomes } from "./entry-outcomes.js";
import type { Envelope } from "./envelope.js";
import { HandlerRejectedError, HandlerTimeoutError } from "./errors.js";
import { EventHandlerContext, type HandlerContextSource } from "./handler-context.js";
import type { CheckedEntry, HeldEntry } from "./held-entry.js";
import type { ParkedHead } from "./lanes.js";
import type { PartitionScope } from "./partition-scope.js";
import type { RecentIds } from "./recent-ids.js";
import type { HandlerContext, ResolvedSubscribeOptions } from "./subscription.js";
import { tracingActive, withConsumerSpan } from "./tracing.js";

export interface EntryRunnerSettings<C extends Catalog> extends PartitionScope {
  /** The subscription's handler; payloads reach it only after passing the topic's schema. */
  handler: (event: Envelope, context: HandlerContext<C>) => Promise<void> | void;
  contextSource: HandlerContextSource;
  failures: EntryFailures;
  /** Where each entry ends up: the runner tells it, and frees the entry's slot through it. */
  outcomes: EntryOutcomes;
  /** Event ids this consumer acknowledged lately: a copy of one of them is a duplicate. */
  recent: RecentIds;
}

/**
 * Runs one attempt of an entry's handler, then acknowledges it, dead-letters it, or
 * parks it until its next attempt (its slot goes to other work meanwhile). An attempt
 * that runs past `handlerTimeoutMs` fails: the consumer's sweep (`abandonTimedOut`)
 * abandons it.
 *
 * A synchronous handler that succeeds (with no OpenTelemetry SDK registered) is handled
 * and acknowledged before `run` returns, with no promise made for it: this runs for
 * every event.
 */
export class EntryRunner<C extends Catalog> {
  constructor(private readonly settings: EntryRunnerSettings<C>) {}

  /**
   * Returns a promise only while work remains: an async handler, or a failure to deal
   * with. It resolves to where the entry was parked, if it was.
   */
  run(entry: CheckedEntry): Promise<ParkedHead | undefined> | undefined {
    const { outcomes, lifecycle, options, recent } = this.settings;
    const { envelope } = entry;
    if (entry.lost) {
      outcomes.release(entry);
      return undefined;
    }
    if (lifecycle.stopping) {
      outcomes.handOverLate(entry);
      return undefined;
    }
    if (entry.unknownVersion) return outcomes.parkUnknownVersion(entry);
    if (options.idempotency && recent.has(envelope.id)) {
      outcomes.acknowledge(entry, "duplicate");
      return undefined;
    }
    const started = performance.now();
    const context = new EventHandlerContext(
      this.settings.contextSource,
      envelope,
      entry.deliveryCount,
    );
    let result: unknown;
    try {
      result = this.attempt(envelope, context);
    } catch (error) {
      return this.failed(entry, error, started);
    }
    if (!isPromiseLike(result)) {
      this.succeeded(entry, started);
      return undefined;
    }
    return this.awaitAttempt(entry, context, result, started);
  }

  /** Wait for an async attempt until it settles or the sweep abandons it at its deadline. */
  private awaitAttempt(
    entry: CheckedEntry,
    context: EventHandlerContext<C>,
    result: PromiseLike<unknown>,
    started: number,
  ): Promise<ParkedHead | undefined> {
    return new Promise((settle) => {
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        entry.abandon = undefined;
        entry.attemptDeadline = 0;
        if (error === undefined) {
          this.succeeded(entry, started);
          settle(undefined);
        } else settle(this.failed(entry, error, started));
      };
      entry.attemptDeadline = Date.now() + this.settings.options.handlerTimeoutMs;
      entry.abandon = (error) => {
        context.expire(error);
        finish(error);
      };
      result.then(
        () => finish(),
        (error: unknown) => finish(error ?? new HandlerRejectedError(this.settings.options.name)),
      );
    });
  }

  /** Call the handler once: in a consumer span when an OpenTelemetry SDK is registered. */
  private attempt(envelope: Envelope, context: EventHandlerContext<C>): unknown {
    const { options, handler } = this.settings;
    return tracingActive()
      ? withConsumerSpan(envelope, options.group, async () => handler(envelope, context))
      : handler(envelope, context);
  }

  private succeeded(entry: CheckedEntry, started: number): void {
    const { metrics, labels } = this.settings;
    metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
    this.settings.outcomes.acknowledge(entry, "handled");
  }

  /** After a failed attempt: dead-letter the entry, give it up, or park it for the next. */
  private async failed(
    entry: CheckedEntry,
    error: unknown,
    started: number,
  ): Promise<ParkedHead | undefined> {
    const { metrics, labels, failures, outcomes, lifecycle } = this.settings;
    metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
    metrics.failed.inc(labels);
    if (entry.lost || lifecycle.closed) {
      outcomes.release(entry);
      return undefined;
    }
    try {
      return await failures.afterFailure(entry, error);
    } finally {
      outcomes.release(entry);
    }
  }
}

/** Fail the async attempts that ran past `handlerTimeoutMs`: their entries are retried. */
export function abandonTimedOut(
  entries: Iterable<HeldEntry>,
  options: ResolvedSubscribeOptions,
): void {
  const now = Date.now();
  for (const entry of entries) {
    if (entry.envelope !== undefined && entry.abandon && entry.attemptDeadline <= now)
      entry.abandon(new HandlerTimeoutError(options.name, options.handlerTimeoutMs));
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
