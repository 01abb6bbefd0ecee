import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import type { Bus, BusOptions, Handler, RedisClient, SubscribeOptions } from "@retail/bus";
import type { Catalog, TopicName } from "@retail/contracts";
import type { DestinationStream } from "pino";
import type { z } from "zod";
import type { KitApp, RoutesPlugin } from "./app-types.js";
import type { BaseConfig, Env } from "./config.js";
import type { ServiceContext } from "./context.js";
import type { ReadinessCheck } from "./health.js";
import type { OpenApiOptions } from "./openapi.js";
import type { RunServiceIo } from "./run-service.js";
import type { RunningService } from "./start.js";

type MaybePromise<T> = T | Promise<T>;

/** The whole configuration of a service: the kit's variables and those of its schema. */
export type ConfigOf<Schema extends z.ZodObject> = BaseConfig & z.output<Schema>;

/** A handler with the options of its subscription, e.g. `{ handle, options: { concurrency: 4 } }`. */
export interface HandlerEntry<C extends Catalog, T extends TopicName<C>> {
  handle: Handler<C, T>;
  /** Over the bus's `subscribeDefaults`. Default: none. */
  options?: SubscribeOptions;
}

/**
 * A service's event handlers, keyed by topic: each entry becomes one subscription in
 * the service's consumer group (or `options.group`). A topic outside the catalog, or a
 * handler whose payload type does not match its topic, is a type error.
 */
export type Handlers<C extends Catalog> = {
  readonly [T in TopicName<C>]?: Handler<C, T> | HandlerEntry<C, T>;
};

/**
 * Work a service does besides HTTP and its handlers, e.g. a timer loop or a periodic
 * sweep. The kit starts it after the bus and stops it first on close.
 */
export interface BackgroundTask {
  /** How logs name it, e.g. `"timers"`. */
  readonly name: string;
  /** Begin the work and return: awaited, so it must not wait for the work to end. */
  start(): MaybePromise<void>;
  /** Stop, and resolve once the work in progress has finished. May be called without `start`. */
  stop(): Promise<void>;
}

/**
 * What the kit builds before the service's `setup` runs. It is a `ServiceContext`
 * (name, config, logger, metrics), so kit helpers that take one accept it too.
 */
export interface ServiceParts<Config extends BaseConfig, C extends Catalog>
  extends ServiceContext<Config> {
  /**
   * The service's Redis client (`createRedisClient`), shared with its bus: a single
   * Redis, or a Cluster when `REDIS_CLUSTER_NODES` is set.
   */
  readonly redis: RedisClient;
  /**
   * The service's bus: publisher name and consumer group are the service's name; the
   * bus variables of the config apply, and `close()` lets running handlers finish
   * within `SHUTDOWN_TIMEOUT_MS` (the budget of the whole shutdown).
   */
  readonly bus: Bus<C>;
  /** The clock, epoch ms: `Date.now` unless a test passes its own. */
  readonly now: () => number;
}

/** What a service's `setup` returns: its own parts, which the kit wires. Every one is optional. */
export interface ServiceSetup<C extends Catalog, Expose> {
  /** The service's routes, registered after the kit's (health, metrics, docs). */
  routes?: RoutesPlugin;
  /** Subscribed on the service's bus before it starts. */
  handlers?: Handlers<C>;
  /** Started after the bus (in order), stopped together first on close. */
  background?: readonly BackgroundTask[];
  /** Run by `/health/ready` besides the kit's `redis` and `bus` checks. */
  readiness?: readonly ReadinessCheck[];
  /** Run by `start()` before the bus creates its groups and reads, e.g. seeding data. */
  beforeStart?: () => MaybePromise<void>;
  /**
   * Run when shutdown begins, before HTTP drains (a Fastify `preClose` hook): end
   * responses that never end by themselves, such as server-sent-event streams.
   */
  beforeClose?: () => MaybePromise<void>;
  /** What tests may reach as `service.expose`, typed (e.g. a store). Default: `{}`. */
  expose?: Expose;
}

/** What `defineService` takes. */
export interface ServiceDefinitionOptions<Schema extends z.ZodObject, C extends Catalog, Expose> {
  /** The service's name: logger name, metrics label, bus publisher and consumer group, Redis client name. */
  name: string;
  /** The service's own variables, added to the kit's base ones. Default: none. */
  configSchema?: Schema;
  /** The event catalog. Default: the retail catalog of `@retail/contracts`. */
  catalog?: C;
  /** OpenAPI document details. Default: titled after the service, version `0.0.0`. */
  openapi?: OpenApiOptions;
  /** Build the service's parts from the kit's; called once per `create`. */
  setup(parts: ServiceParts<ConfigOf<Schema>, C>): MaybePromise<ServiceSetup<C, Expose>>;
}

/** Options of `create`: everything but `env` is for tests. */
export interface CreateServiceOptions<Config extends BaseConfig, C extends Catalog> {
  /** Variables to read. Default: `process.env`. */
  env?: Env;
  /**
   * Values over the parsed configuration, typed and not validated, e.g.
   * `{ SHIPPING_DISPATCH_DELAY_MS: 50 }`. The logger is made from `env` alone. Default: none.
   */
  config?: Partial<Config>;
  /** Over the bus options the kit sets, e.g. `{ consumerName, shutdownTimeoutMs, subscribeDefaults }`. */
  bus?: Partial<Omit<BusOptions<C>, "service" | "catalog" | "redis">>;
  /** The clock handed to `setup` as `now`. Default: `Date.now`. */
  now?: () => number;
  /** Where log lines go. Default: stdout. */
  logDestination?: DestinationStream;
}

/** Options of `main`: `create`'s, and what a test needs to run `main` in-process. */
export interface ServiceMainOptions<Config extends BaseConfig, C extends Catalog>
  extends CreateServiceOptions<Config, C> {
  /** Where a start-up failure is reported and how the process exits (`runService`). */
  io?: RunServiceIo;
  /** Shut down on SIGTERM/SIGINT and exit (`startService`). Default: `true`. */
  handleSignals?: boolean;
  /** Span processors for `startTracing`, which then traces even without an endpoint. */
  spanProcessors?: readonly SpanProcessor[];
}

/** One built service: the kit's parts, the service's `expose`, `start` and `close`. */
export interface ServiceInstance<Config extends BaseConfig, C extends Catalog, Expose>
  extends ServiceContext<Config> {
  /** Ready to `inject()` or `listen()`; routes, health, metrics and docs registered. */
  readonly app: KitApp;
  readonly bus: Bus<C>;
  readonly redis: RedisClient;
  readonly expose: Expose;
  /**
   * Run `beforeStart`, start the bus (every handler reads), then start the background
   * tasks. HTTP listening is `main`'s (or the test's). Calling it again returns the same promise.
   */
  start(): Promise<void>;
  /**
   * Close the app (`beforeClose`, then HTTP drains), stop the background tasks, close
   * the bus (running handlers finish), quit Redis. Every step runs even when one
   * fails; rejects with `ShutdownError` then. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/** What `main` resolves to once the service listens. */
export interface MainHandle<Config extends BaseConfig, C extends Catalog, Expose>
  extends RunningService {
  readonly service: ServiceInstance<Config, C, Expose>;
}

/** What `defineService` returns. */
export interface ServiceDefinition<Config extends BaseConfig, C extends Catalog, Expose> {
  readonly name: string;
  /** Build the service (nothing reads or listens yet): for tests and `main`. */
  create(options?: CreateServiceOptions<Config, C>): Promise<ServiceInstance<Config, C, Expose>>;
  /**
   * The whole of a service's `main.ts`, inside `runService`: start tracing, `create`,
   * `start`, listen with graceful shutdown (HTTP drains, background tasks stop, the bus
   * closes, Redis quits, traces are flushed last). A start-up failure (a `ConfigError`
   * as one line per variable) is reported on stderr and exits 1: it then resolves to
   * `undefined`, after closing what was built.
   */
  main(options?: ServiceMainOptions<Config, C>): Promise<MainHandle<Config, C, Expose> | undefined>;
}

/** The instance type of a definition: `type InventoryService = ServiceInstanceOf<typeof inventoryService>`. */
export type ServiceInstanceOf<D> =
  D extends ServiceDefinition<infer Config, infer C, infer Expose>
    ? ServiceInstance<Config, C, Expose>
    : never;
