import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import {
  acquireLease,
  Fence,
  leaseKey,
  liveOwners,
  ownersKey,
  releaseLease,
  renewLease,
} from "./lease.js";
import { assignPartitions } from "./ownership-assignment.js";
import type { RateLimitedLog } from "./rate-limited-log.js";
import { beforeDeadline, type RedisClient } from "./redis.js";

/** One tenure's work on a partition: a consumer that reads and handles it under a fence. */
export interface Tenure {
  start(): Promise<void>;
  /** Stop reading, let running handlers finish until `deadline` (epoch ms), hand the rest over. */
  stop(deadline: number): Promise<void>;
  readonly reading: boolean;
}

export interface OwnershipSettings {
  topic: string;
  partition: number;
  partitions: number;
  group: string;
  /** This instance: the bus's consumer name. */
  instance: string;
  commands: RedisClient;
  leaseTtlMs: number;
  /** How long a handover lets the running handlers finish (epoch-ms span). */
  drainMs: number;
  logger: Logger;
  errors: RateLimitedLog;
  /** A tenure's consumer, under `fence`. Started by the ownership, stopped by it. */
  tenure(fence: Fence): Tenure;
}

interface Held {
  fence: Fence;
  work: Tenure;
  /** Handing over: still renewed, while its handlers finish; released after. */
  leaving: boolean;
}

/**
 * Whether this instance handles one partition of a per-key-ordered subscription, and
 * the tenure that does while it holds the lease. Every quarter of the lease's time to
 * live it renews this instance's place among the group's live instances, works out who
 * should own the partition (`assignPartitions`), and then:
 *
 * - holding the lease, renews it — if the partition is now another's, hands it over:
 *   stops reading, lets running handlers finish (`drainMs` at most), releases the lease;
 *   if the renewal is refused (another instance holds it now), stops at once;
 * - not holding it, and the partition is this instance's, asks for it: granted when it
 *   is free or expired, so a dead instance's partitions come over after the lease's
 *   time to live.
 *
 * A new tenure starts only once the previous one has stopped, so two never run at once
 * in one instance.
 */
export class PartitionOwnership {
  private held: Held | undefined;
  /** A tenure that is stopping: no new one starts before it has. */
  private ending: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private closing = false;
  private readonly wake = new AbortController();
  private readonly lease: string;
  private readonly owners: string;

  constructor(private readonly settings: OwnershipSettings) {
    this.lease = leaseKey(settings.topic, settings.partition, settings.group);
    this.owners = ownersKey(settings.topic, settings.group);
  }

  /** Running, and the tenure it holds (if any) reads. */
  get reading(): boolean {
    const held = this.held;
    return this.loop !== undefined && !this.closing && (!held || held.leaving || held.work.reading);
  }

  /** Join the group's live instances and take the partition if it is this instance's; then keep at it. */
  async start(): Promise<void> {
    await this.tick().catch((error: unknown) => this.failed(error));
    this.loop = this.run();
  }

  /**
   * Leave the live instances (the others rebalance), hand the partition over if held —
   * its handlers may finish until `deadline` — and stop.
   */
  async stop(deadline: number): Promise<void> {
    const { commands, instance } = this.settings;
    this.closing = true;
    await beforeDeadline(commands.zrem(this.owners, instance), deadline).catch(() => {});
    // The loop goes on renewing the lease while the tenure finishes its handlers.
    await this.handOverHeld(deadline);
    this.wake.abort();
    await beforeDeadline(this.loop ?? Promise.resolve(), deadline + 1_000).catch(() => {});
    // A tick in flight may have been granted the lease meanwhile.
    await this.handOverHeld(deadline);
    // A renewal of this instance's place may have landed after the first removal.
    await beforeDeadline(commands.zrem(this.owners, instance), deadline + 1_000).catch(() => {});
  }

  /** Hand over the partition if held, and wait for the handover until `deadline`. */
  private async handOverHeld(deadline: number): Promise<void> {
    const held = this.held;
    if (held && !held.leaving) this.handOver(held, deadline);
    if (this.ending) await beforeDeadline(this.ending, deadline + 1_000).catch(() => {});
  }

  private async run(): Promise<void> {
    const every = Math.max(10, Math.floor(this.settings.leaseTtlMs / 4));
    const { signal } = this.wake;
    while (!signal.aborted) {
      await delay(every, undefined, { signal, ref: false }).catch(() => {});
      if (signal.aborted) break;
      await this.tick().catch((error: unknown) => this.failed(error));
    }
  }

  private async tick(): Promise<void> {
    const { commands, topic, partition, partitions, instance, leaseTtlMs } = this.settings;
    const held = this.held;
    if (held) {
      // An ended fence ended its tenure already (see `ended`); a lapsed one ends it now.
      if (!held.fence.valid()) return;
      const askedAt = performance.now();
      if (!(await renewLease(commands, this.lease, held.fence.token, leaseTtlMs))) {
        held.fence.lost();
        return;
      }
      held.fence.renewed(askedAt);
    }
    if (this.closing) return;
    const live = await liveOwners(commands, this.owners, instance, leaseTtlMs);
    const mine = assignPartitions(topic, partitions, live)[partition] === instance;
    if (held) {
      if (!mine && !held.leaving && this.held === held) this.handOver(held);
      return;
    }
    if (!mine || this.ending || this.held) return;
    const askedAt = performance.now();
    const grant = await acquireLease(commands, this.lease, instance, leaseTtlMs);
    if (!grant.granted) return;
    await this.begin(grant.token, askedAt);
  }

  /** Start a tenure under the lease just granted. */
  private async begin(token: string, askedAt: number): Promise<void> {
    const { logger, leaseTtlMs } = this.settings;
    const fence = new Fence(this.lease, token, leaseTtlMs, askedAt, (reason) =>
      this.ended(held, reason),
    );
    const held: Held = { fence, work: this.settings.tenure(fence), leaving: false };
    this.held = held;
    if (this.closing) {
      this.handOver(held);
      return;
    }
    try {
      await held.work.start();
      logger.info(
        { lease: this.lease, token },
        "took a partition of a per-key-ordered subscription",
      );
    } catch (error) {
      this.failed(error);
      this.handOver(held, Date.now());
    }
  }

  /** Hand the partition over: let the tenure finish until `deadline`, then release the lease. */
  private handOver(held: Held, deadline = Date.now() + this.settings.drainMs): void {
    const { commands, logger } = this.settings;
    held.leaving = true;
    logger.info({ lease: this.lease }, "handing a partition over");
    this.ending = (async () => {
      try {
        await held.work.stop(deadline);
        if (held.fence.valid()) {
          held.fence.close();
          await releaseLease(commands, this.lease, held.fence.token);
        }
      } catch (error) {
        this.failed(error);
      } finally {
        if (this.held === held) this.held = undefined;
        this.ending = undefined;
      }
    })();
  }

  /** The fence ended (refused by Redis, or not renewed in time): stop the tenure at once. */
  private ended(held: Held, reason: "lost" | "expired"): void {
    this.settings.logger.warn(
      { lease: this.lease, token: held.fence.token, reason },
      reason === "lost"
        ? "another instance holds the partition's lease now; stopped handling it"
        : "could not renew the partition's lease in time; stopped handling it",
    );
    // A handover under way goes on: nothing new starts, its acks are fenced.
    if (held.leaving) return;
    this.handOver(held, Date.now());
  }

  private failed(error: unknown): void {
    this.settings.errors.warn(
      `ownership ${this.lease}`,
      error,
      "keeping the partition's lease or the group's live instances failed",
    );
  }
}
