import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  type Catalog,
  type PayloadInputOf,
  partitionsOf,
  type Retention,
  type TopicDefinition,
  type TopicName,
} from "@retail/contracts";
import { type Logger, pino } from "pino";
import { Registry } from "prom-client";
import { BusAdmin, partitionStreams } from "./admin.js";
import type { Envelope } from "./envelope.js";
import {
  BusClosedError,
  BusNotReadyError,
  StepError,
  SubscriptionError,
  UnknownTopicError,
} from "./errors.js";
import { EventHandlerContext } from "./handler-context.js";
import { ProcessedEvents } from "./idempotency.js";
import { outboxKey, partitionKeys, relayLeaseKey } from "./keys.js";
import { BusMetrics } from "./metrics.js";
import { OutboxRelay, type RelayOptions } from "./outbox-relay.js";
import { PartitionConsumer } from "./partition-consumer.js";
import { Publisher, type PublishOptions } from "./publisher.js";
import { PubSub } from "./pubsub.js";
import { RateLimitedLog } from "./rate-limited-log.js";
import { Connections, type RedisClient, type RedisConnection } from "./redis.js";
import type { ServiceScript } from "./service-script.js";
import { commitStep, type Duplicate, type Step, type StepTarget } from "./step.js";
import {
  type Handler,
  type HandlerContext,
  resolveSubscribeOptions,
  type SubscribeOptions,
} from "./subscription.js";

/** Options of `createBus`. Only `service`, `catalog` and `redis` are required. */
export interface BusOptions<C extends Catalog> {
  /** This service's name: the publisher it may publish as, and its default consumer group. */
  service: string;
  /** The event catalog (`@retail/contracts`). */
  catalog: C;
  /**
   * A Redis URL, ioredis options, or a client (Redis or Cluster) you own. A client you
   * pass is not closed by `close()`; connections the bus opens itself are.
   */
  redis: RedisConnection;
  /** Default: a pino logger at `info`, named after the service. */
  logger?: Logger;
  /** A prom-client registry for the bus's metrics (your service's). Default: a private one. */
  metrics?: Registry;
  /** This process's consumer name in every group. Default: `<service>-<host>-<pid>-<random>`. */
  consumerName?: string;
  /** How long a publish waits for Redis before `PublishTimeoutError`. Default 5 000. */
  publishTimeoutMs?: number;
  /**
   * How long a group remembers processed event ids. Default 3 600 000 (an hour): long
   * enough for redeliveries and publish retries; each mark costs about 140 bytes of
   * Redis memory, so a day at 100 events/s would be about 1.2 GB per group.
   */
  idempotencyTtlMs?: number;
  /** How long `close()` lets running handlers finish. Default 10 000. */
  shutdownTimeoutMs?: number;
  /**
   * Retention for every topic this bus publishes, over the catalog's: `{maxLength}` or
   * `{maxAgeMs}` (an operator's choice of how much history Redis keeps, e.g. from an
   * environment variable). Default: each topic's own retention from the catalog.
   */
  retention?: Retention;
  /** Defaults for every `subscribe` of this bus (each subscription may override). */
  subscribeDefaults?: SubscribeOptions;
  /**
   * The outbox relay, which moves `commit`ted events to their topics: its lease (how
   * long events wait when the relaying instance dies; default 5 000 ms), batch size
   * (default 256) and, opt-in, `replicas: { replicas, timeoutMs }`: a commit, and each
   * relay append, counts as done only once that many replicas have it (`WAIT`), so that
   * a failover cannot lose it; slower, and `NotReplicatedError` (in doubt) when fewer
   * replicas confirm in time. Default: no wait (replication is asynchronous).
   */
  outbox?: RelayOptions;
}

interface Subscription<C extends Catalog> {
  topic: string;
  group: string;
  consumers: PartitionConsumer<C>[];
}

/** Create the bus of one service. Nothing connects until the first command. */
export function createBus<const C extends Catalog>(options: BusOptions<C>): Bus<C> {
  return new Bus(options);
}

/**
 * The one way services talk: publish events to topics, subscribe handlers through
 * consumer groups. `publish`, `subscribe`, `start`, `close`; `commit` for writes that
 * must commit together with their events (a service script); `admin` and `pubsub` beside.
 */
export class Bus<C extends Catalog> {
  readonly service: string;
  readonly consumerName: string;
  readonly logger: Logger;
  readonly admin: BusAdmin;
  readonly pubsub: PubSub;
  /** The registry holding the bus's metrics (the one passed in, or its own). */
  readonly metricsRegistry: Registry;
  private readonly connections: Connections;
  private readonly publisher: Publisher<C>;
  private readonly metrics: BusMetrics;
  private readonly errors: RateLimitedLog;
  private readonly subscriptions: Subscription<C>[] = [];
  private readonly processedByGroup = new Map<string, ProcessedEvents>();
  private readonly pendingStarts: (() => Promise<void>)[] = [];
  private readonly relay: OutboxRelay;
  private readonly stepTarget: StepTarget;
  private replicatedConnection: RedisClient | undefined;
  private state: "created" | "started" | "closing" | "closed" = "created";

  constructor(private readonly options: BusOptions<C>) {
    this.service = options.service;
    this.consumerName =
      options.consumerName ??
      `${options.service}-${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.logger = (options.logger ?? pino({ name: options.service })).child({ component: "bus" });
    this.errors = new RateLimitedLog(this.logger);
    this.connections = new Connections(options.redis, (error) =>
      this.errors.warn("connection", error, "Redis connection error; reconnecting"),
    );
    this.admin = new BusAdmin(this.connections.commands, options.catalog);
    this.metricsRegistry = options.metrics ?? new Registry();
    const outbox = outboxKey(options.service);
    this.metrics = new BusMetrics(
      this.metricsRegistry,
      () => this.admin.groupLoad(this.subscriptions.map(({ topic, group }) => ({ topic, group }))),
      () => this.connections.commands.xlen(outbox),
    );
    this.relay = new OutboxRelay(
      this.connections,
      outbox,
      relayLeaseKey(options.service),
      this.consumerName,
      this.metrics,
      this.errors,
      options.outbox,
    );
    const replicas = options.outbox?.replicas;
    const bus = this;
    this.stepTarget = {
      outbox,
      replicas,
      // WAIT holds its connection until the replicas answer: not the shared one.
      get redis() {
        if (!replicas) return bus.connections.commands;
        bus.replicatedConnection ??= bus.connections.dedicated(`${bus.consumerName}:replicated`);
        return bus.replicatedConnection;
      },
      emitted: () => this.relay.committed(),
    };
    this.publisher = new Publisher(
      this.connections.commands,
      options.catalog,
      options.service,
      this.metrics,
      options.publishTimeoutMs ?? 5_000,
      options.retention,
    );
    this.pubsub = new PubSub(this.connections, this.logger, this.errors);
  }

  /**
   * Append an event to its topic. Resolves to its envelope once Redis stored it.
   * Rejects, with nothing written, on an unknown topic, a topic this service does not
   * own, or a payload that fails the topic's schema; rejects with
   * `PublishTimeoutError` (in doubt: retry with its `eventId`) when Redis does not
   * answer within `publishTimeoutMs`.
   */
  async publish<T extends TopicName<C>>(
    topic: T,
    payload: PayloadInputOf<C, T>,
    options?: PublishOptions,
  ): Promise<Envelope> {
    this.assertOpen("publish");
    return this.publisher.publish(topic, payload, options);
  }

  /**
   * Run a service script (`defineScript`) in one atomic step with the events it emits
   * and, when `cause` is the context of the event being handled, that event's processed
   * mark: all of it reaches Redis, or none. `build` declares the keys the script touches
   * (`step.key`) and the events it may emit (`step.event`, validated now: a typed error
   * and nothing written), and returns the script's `spec`. Resolves to what the script
   * returns; with a `cause` already processed by this group, to `{ outcome: "duplicate" }`
   * without running it. Bounded like a publish when the step carries events.
   *
   * One decisive step per handled event: the first step that sets the mark makes every
   * later step for that event a duplicate. A step that only looks (and will be followed
   * by another) calls `leave_unhandled()` in its script.
   */
  async commit<Result>(
    script: ServiceScript<Result>,
    build: (step: Step<C>) => unknown,
  ): Promise<Result>;
  async commit<Result>(
    script: ServiceScript<Result>,
    build: (step: Step<C>) => unknown,
    options: { cause: HandlerContext<C> },
  ): Promise<Result | Duplicate>;
  async commit<Result>(
    script: ServiceScript<Result>,
    build: (step: Step<C>) => unknown,
    options?: { cause?: HandlerContext<C> },
  ): Promise<Result | Duplicate> {
    this.assertOpen("commit");
    const cause = options?.cause;
    if (cause !== undefined && !(cause instanceof EventHandlerContext)) {
      throw new StepError("a step's cause must be the context the bus passed to the handler");
    }
    return commitStep(this.stepTarget, this.publisher, script, build, cause);
  }

  /**
   * Handle a topic's events in this service's consumer group (or `options.group`),
   * which the catalog must list among the topic's consumers (`SubscriptionError`
   * otherwise). Call before `start()`; a subscription added later starts at once.
   */
  subscribe<T extends TopicName<C>>(
    topic: T,
    handler: Handler<C, T>,
    options: SubscribeOptions = {},
  ): void {
    this.assertOpen("subscribe");
    const definition = this.options.catalog[topic];
    if (!definition) throw new UnknownTopicError(topic);
    const resolved = resolveSubscribeOptions(topic, this.service, {
      ...this.options.subscribeDefaults,
      ...options,
    });
    if (!(definition.consumers as readonly string[]).includes(resolved.group)) {
      // The ACL and the dashboards are built from the catalog's consumers: a group it does
      // not list would fail later, at run time, with NOPERM (or read unseen).
      throw new SubscriptionError(
        `group "${resolved.group}" is not a consumer of "${topic}" in the catalog (consumers: ${definition.consumers.join(", ") || "none"}); add it there first`,
      );
    }
    if (
      this.subscriptions.some(
        (existing) => existing.topic === topic && existing.group === resolved.group,
      )
    ) {
      throw new SubscriptionError(
        `"${topic}" already has a handler in group "${resolved.group}" on this bus`,
      );
    }
    const processed = this.processedEventsOf(resolved.group);
    const consumers = partitionStreams(definition).map(
      ({ partition }) =>
        new PartitionConsumer<C>({
          topic: definition,
          keys: partitionKeys(topic, partition, resolved.group),
          // Slots are split over the partitions, at least one each.
          options: {
            ...resolved,
            concurrency: Math.max(1, Math.ceil(resolved.concurrency / partitionsOf(definition))),
          },
          consumer: this.consumerName,
          connections: this.connections,
          processed,
          handler: handler as (event: Envelope, context: HandlerContext<C>) => Promise<void> | void,
          logger: this.logger,
          errors: this.errors,
          metrics: this.metrics,
        }),
    );
    this.subscriptions.push({ topic, group: resolved.group, consumers });
    const start = async () => {
      await Promise.all(consumers.map((consumer) => consumer.start()));
    };
    if (this.state === "started")
      void start().catch((error) => this.logger.error({ err: error }, "subscribe failed"));
    else this.pendingStarts.push(start);
  }

  /**
   * One record of processed events per group, shared by its subscriptions. Its marks
   * are trimmed only up to the oldest entry pending in any stream the group consumes:
   * those of its subscriptions here, and those of the topics the catalog says it
   * consumes (another process of the group may subscribe to them).
   */
  private processedEventsOf(group: string): ProcessedEvents {
    const known = this.processedByGroup.get(group);
    if (known) return known;
    const processed = new ProcessedEvents(
      this.connections.commands,
      group,
      this.service,
      this.options.idempotencyTtlMs ?? 3_600_000,
      () => {
        const topics = new Set(
          Object.values(this.options.catalog)
            .filter((definition) => (definition.consumers as readonly string[]).includes(group))
            .map((definition) => definition.name),
        );
        for (const subscription of this.subscriptions)
          if (subscription.group === group) topics.add(subscription.topic);
        return [...topics].flatMap((topic) =>
          partitionStreams(this.options.catalog[topic] as TopicDefinition).map(
            ({ stream }) => stream,
          ),
        );
      },
    );
    this.processedByGroup.set(group, processed);
    return processed;
  }

  /** Create missing consumer groups and start reading. Resolves once every subscription reads. */
  async start(): Promise<void> {
    this.assertOpen("start");
    if (this.state === "started") return;
    this.state = "started";
    const starts = this.pendingStarts.splice(0);
    await Promise.all(starts.map((start) => start()));
    // Events committed before a restart may still wait in the outbox.
    if (Object.values(this.options.catalog).some(({ publisher }) => publisher === this.service))
      this.relay.start();
    this.logger.info(
      {
        consumer: this.consumerName,
        subscriptions: this.subscriptions.map(({ topic, group }) => `${group}:${topic}`),
      },
      "bus started",
    );
  }

  /** Readiness: Redis answers and every subscription is reading. Throws with the reason otherwise. */
  async check(): Promise<void> {
    await this.connections.commands.ping();
    const idle = this.subscriptions.filter(({ consumers }) =>
      consumers.some((consumer) => !consumer.reading),
    );
    if (this.state === "started" && idle.length > 0) {
      throw new BusNotReadyError(idle.map(({ group, topic }) => `${group}:${topic}`));
    }
  }

  /**
   * Stop reading, let running handlers finish within `shutdownTimeoutMs` (their
   * entries are acknowledged), leave everything else pending for another consumer,
   * and close the connections the bus opened. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.state === "closing" || this.state === "closed") return;
    this.state = "closing";
    const deadline = Date.now() + (this.options.shutdownTimeoutMs ?? 10_000);
    await Promise.all(
      this.subscriptions.flatMap(({ consumers }) =>
        consumers.map((consumer) => consumer.stop(deadline)),
      ),
    );
    // After the handlers: what they committed while finishing is relayed, or left to
    // the next holder of the lease.
    await this.relay.stop(deadline);
    await this.pubsub.close();
    await this.connections.close(deadline + 1_000);
    this.state = "closed";
    this.logger.info({ consumer: this.consumerName }, "bus closed");
  }

  private assertOpen(operation: string): void {
    if (this.state === "closing" || this.state === "closed") throw new BusClosedError(operation);
  }
}
