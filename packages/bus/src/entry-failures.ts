import { setTimeout as delay } from "node:timers/promises";
import type { TopicDefinition } from "@retail/contracts";
import type { Logger } from "pino";
import type { Rejection } from "./check-entry.js";
import { moveToDeadLetter } from "./dead-letter.js";
import { refreshClaims } from "./heartbeat.js";
import type { HeldEntry } from "./held-entry.js";
import type { BusMetrics } from "./metrics.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import type { RedisClient } from "./redis.js";
import { backoffDelay, type ResolvedSubscribeOptions } from "./subscription.js";

export interface EntryFailuresSettings {
  topic: TopicDefinition;
  stream: string;
  deadLetterStream: string;
  options: ResolvedSubscribeOptions;
  consumer: string;
  commands: RedisClient;
  logger: Logger;
  errors: RateLimitedLog;
  metrics: BusMetrics;
}

/**
 * What a consumer does with an entry whose handler failed or that cannot be handled:
 * wait out the backoff and count the retry in Redis, or move the entry to its
 * dead-letter stream. Neither releases the entry's slot; the consumer does.
 */
export class EntryFailures {
  constructor(private readonly settings: EntryFailuresSettings) {}

  /** Move the entry to the dead-letter stream (acknowledging it there); logged and counted. */
  async deadLetter(entry: HeldEntry, rejection: Rejection): Promise<void> {
    const { options, metrics, topic, stream, deadLetterStream, logger, errors, commands } =
      this.settings;
    try {
      await moveToDeadLetter(
        commands,
        {
          stream,
          deadLetterStream,
          group: options.group,
          entryId: entry.entryId,
          fields: entry.fields,
        },
        { ...rejection, handler: options.name },
      );
      metrics.deadLettered.inc({
        topic: topic.name,
        group: options.group,
        reason: rejection.reason,
      });
      logger.error(
        {
          correlationId: entry.envelope?.correlationId,
          eventId: entry.envelope?.id,
          entryId: entry.entryId,
          topic: topic.name,
          reason: rejection.reason,
          error: rejection.error,
          attempts: rejection.attempts,
        },
        "event dead-lettered",
      );
    } catch (error) {
      errors.error(
        `dead-letter ${stream}`,
        error,
        "dead-lettering failed; the entry stays pending",
      );
    }
  }

  logFailure(entry: HeldEntry, error: unknown): void {
    this.settings.logger.warn(
      {
        err: error,
        correlationId: entry.envelope?.correlationId,
        eventId: entry.envelope?.id,
        topic: entry.envelope?.type,
        attempt: entry.deliveryCount,
      },
      "handler failed; will retry",
    );
  }

  /**
   * Back off, then count the next delivery in Redis. False when the retry must not
   * happen: the wait was cancelled (shutdown, lost claim), another consumer owns the
   * entry now, or the retry could not be recorded.
   */
  async waitToRetry(entry: HeldEntry, stopping: () => boolean): Promise<boolean> {
    const { options, stream, consumer, commands, errors } = this.settings;
    const wait = new AbortController();
    entry.cancelWait = () => wait.abort();
    try {
      await delay(backoffDelay(options.retry, entry.deliveryCount), undefined, {
        signal: wait.signal,
      });
    } catch {
      return false;
    } finally {
      entry.cancelWait = undefined;
    }
    if (stopping() || entry.lost) return false;
    try {
      const next = entry.deliveryCount + 1;
      const lost = await refreshClaims(
        commands,
        stream,
        options.group,
        consumer,
        [entry.entryId],
        next,
      );
      if (lost.length > 0) return false;
      entry.deliveryCount = next;
      return true;
    } catch (error) {
      errors.warn(`retry ${stream}`, error, "could not record a retry; leaving the entry pending");
      return false;
    }
  }
}
