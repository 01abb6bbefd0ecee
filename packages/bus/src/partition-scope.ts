import type { TopicDefinition } from "@retail/contracts";
import type { Logger } from "pino";
import type { PartitionKeys } from "./keys.js";
import type { BusMetrics } from "./metrics.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import type { RedisClient } from "./redis.js";
import type { ResolvedSubscribeOptions } from "./subscription.js";

/**
 * What every part of a partition consumer shares: the stream and group it serves, how
 * it logs and counts, and where the consumer is in its life. Each part gets this and
 * the collaborators it uses, never the consumer itself.
 */
export interface PartitionScope {
  readonly topic: TopicDefinition;
  readonly keys: PartitionKeys;
  readonly options: ResolvedSubscribeOptions;
  /** This process's consumer name in the group. */
  readonly consumer: string;
  /** The bus's command connection (auto-pipelined). */
  readonly commands: RedisClient;
  /** The metric labels of the subscription's topic and group, built once. */
  readonly labels: { topic: string; group: string };
  readonly logger: Logger;
  readonly errors: RateLimitedLog;
  readonly metrics: BusMetrics;
  readonly lifecycle: Lifecycle;
}

/**
 * Where a partition consumer is in its life. The consumer moves it on; its parts only
 * read it: once `stopping`, nothing new starts and a write Redis refuses is not
 * retried; once `closed`, nothing is acknowledged or parked any more.
 */
export class Lifecycle {
  stopping = false;
  closed = false;
  private readonly controller = new AbortController();

  /**
   * Aborted when the shutdown deadline passes with handlers still running: their
   * contexts' signals abort, and waits between retries end.
   */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: Error): void {
    this.controller.abort(reason);
  }
}
