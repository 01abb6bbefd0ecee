import type { Catalog } from "@retail/contracts";
import type { EntryFailures } from "./entry-failures.js";
import type { Envelope } from "./envelope.js";
import { HandlerTimeoutError } from "./errors.js";
import { EventHandlerContext, type HandlerContextSource } from "./handler-context.js";
import type { HeldEntry } from "./held-entry.js";
import type { ParkedHead } from "./lanes.js";
import type { BusMetrics } from "./metrics.js";
import type { RecentIds } from "./recent-ids.js";
import type { HandlerContext, ResolvedSubscribeOptions } from "./subscription.js";
import { tracingActive, withConsumerSpan } from "./tracing.js";

/** What the runner needs from its consumer, which owns each entry's slot and its ack. */
export interface RunnerHost {
  /** The consumer is stopping: an entry not started yet is handed over, not run. */
  stopping(): boolean;
  /** The consumer has closed: a failed entry is given up, not retried. */
  closed(): boolean;
  /** Acknowledge the entry and free its slot. */
  acknowledge(entry: HeldEntry, outcome: "handled" | "duplicate"): void;
  /** Free the entry's slot without acknowledging it: it stays pending for a later delivery. */
  release(entry: HeldEntry): void;
  /** The consumer is stopping: give the entry, not started, to the group's other consumers. */
  handOver(entry: HeldEntry): void;
  /** Park an entry whose schema version this consumer does not know; resolves to where. */
  parkUnknownVersion(entry: HeldEntry): Promise<ParkedHead | undefined>;
}

export interface EntryRunnerSettings<C extends Catalog> {
  options: ResolvedSubscribeOptions;
  /** The subscription's handler; payloads reach it only after passing the topic's schema. */
  handler: (event: Envelope, context: HandlerContext<C>) => Promise<void> | void;
  metrics: BusMetrics;
  /** The metric labels of the subscription's topic and group, built once. */
  labels: { topic: string; group: string };
  contextSource: HandlerContextSource;
  failures: EntryFailures;
  /** Event ids this consumer acknowledged lately: a copy of one of them is a duplicate. */
  recent: RecentIds;
}

/**
 * Runs one attempt of an entry's handler, then acknowledges it, dead-letters it, or
 * parks it until its next attempt (its slot goes to other work meanwhile). An attempt
 * that runs past `handlerTimeoutMs` fails: the consumer's sweep abandons it.
 *
 * A synchronous handler that succeeds (with no OpenTelemetry SDK registered) is handled
 * and acknowledged before `run` returns, with no promise made for it: this runs for
 * every event.
 */
export class EntryRunner<C extends Catalog> {
  constructor(
    private readonly settings: EntryRunnerSettings<C>,
    private readonly host: RunnerHost,
  ) {}

  /**
   * Returns a promise only while work remains: an async handler, or a failure to deal
   * with. It resolves to where the entry was parked, if it was.
   */
  run(entry: HeldEntry): Promise<ParkedHead | undefined> | undefined {
    const envelope = entry.envelope as Envelope;
    if (entry.lost) {
      this.host.release(entry);
      return undefined;
    }
    if (this.host.stopping()) {
      this.host.handOver(entry);
      return undefined;
    }
    if (entry.unknownVersion) return this.host.parkUnknownVersion(entry);
    if (this.settings.options.idempotency && this.settings.recent.has(envelope.id)) {
      this.host.acknowledge(entry, "duplicate");
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
    entry: HeldEntry,
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
        (error: unknown) => finish(error ?? new Error("handler rejected without a reason")),
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

  private succeeded(entry: HeldEntry, started: number): void {
    const { metrics, labels } = this.settings;
    metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
    this.host.acknowledge(entry, "handled");
  }

  /** After a failed attempt: dead-letter the entry, give it up, or park it for the next. */
  private async failed(
    entry: HeldEntry,
    error: unknown,
    started: number,
  ): Promise<ParkedHead | undefined> {
    const { metrics, labels, failures } = this.settings;
    metrics.handlerDuration.observe(labels, (performance.now() - started) / 1_000);
    metrics.failed.inc(labels);
    if (entry.lost || this.host.closed()) {
      this.host.release(entry);
      return undefined;
    }
    try {
      return await failures.afterFailure(entry, error);
    } finally {
      this.host.release(entry);
    }
  }
}

/** The error an attempt past its deadline fails with. */
export function timeoutError(options: ResolvedSubscribeOptions): HandlerTimeoutError {
  return new HandlerTimeoutError(options.name, options.handlerTimeoutMs);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
