import { setTimeout as sleep } from "node:timers/promises";
import { createBus, type RedisClient } from "@retail/bus";
import { type Catalog, type RetailCatalog, catalog as retailCatalog } from "@retail/contracts";
import type { z } from "zod";
import { buildApp } from "./app.js";
import type { RoutesPlugin } from "./app-types.js";
import { demoSecretIssues } from "./auth/production-guard.js";
import { tokenVerifierFromConfig } from "./auth/verifier.js";
import { busOptionsFromConfig } from "./bus-options.js";
import { type BaseConfig, ConfigError } from "./config.js";
import { createServiceContext, type ServiceContext } from "./context.js";
import { subscribeHandlers } from "./handlers.js";
import { redisReadinessCheck } from "./health.js";
import { createRedisClient } from "./redis-client.js";
import { runService } from "./run-service.js";
import type {
  ConfigOf,
  CreateServiceOptions,
  MainHandle,
  ServiceDefinition,
  ServiceDefinitionOptions,
  ServiceInstance,
  ServiceMainOptions,
  ServiceSetup,
} from "./service-types.js";
import { ShutdownError, type ShutdownHook, startService } from "./start.js";
import { startTracing } from "./tracing.js";

/**
 * Declare a service: its name, config schema and a `setup` that builds its own parts
 * (routes, handlers, background tasks, readiness checks, hooks) from the ones the kit
 * builds (config, logger, metrics, Redis client, bus, clock). The kit wires them the same
 * way for every service; `main()` is the whole of `main.ts`, `create()` what tests use.
 *
 * ```ts
 * export const inventoryService = defineService({
 *   name: "inventory",
 *   configSchema,
 *   openapi: { title: "Inventory", version: "1.0.0" },
 *   setup({ config, redis, bus }) {
 *     const products = new ProductStore(redis, bus);
 *     return { routes: productRoutes(products), handlers: { "shipment.created": onCreated }, expose: { products } };
 *   },
 * });
 * ```
 */
export function defineService<
  Schema extends z.ZodObject = z.ZodObject<Record<never, never>>,
  Expose extends object = Record<never, never>,
  C extends Catalog = RetailCatalog,
>(
  definition: ServiceDefinitionOptions<Schema, C, Expose>,
): ServiceDefinition<ConfigOf<Schema>, C, Expose> {
  return {
    name: definition.name,
    async create(options = {}) {
      return (await build(definition, options)).service;
    },
    main: (options = {}) => main(definition, options),
  };
}

interface Built<Config extends BaseConfig, C extends Catalog, Expose> {
  service: ServiceInstance<Config, C, Expose>;
  /** `close()` after the app has closed, as separate hooks so `startService` logs each by name. */
  afterHttp: readonly ShutdownHook[];
}

async function build<Schema extends z.ZodObject, C extends Catalog, Expose extends object>(
  definition: ServiceDefinitionOptions<Schema, C, Expose>,
  options: CreateServiceOptions<ConfigOf<Schema>, C>,
): Promise<Built<ConfigOf<Schema>, C, Expose>> {
  const created = createServiceContext({
    name: definition.name,
    ...(definition.configSchema === undefined ? {} : { configSchema: definition.configSchema }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.logDestination === undefined ? {} : { logDestination: options.logDestination }),
  }) as ServiceContext<ConfigOf<Schema>>;
  const context: ServiceContext<ConfigOf<Schema>> = {
    ...created,
    config: { ...created.config, ...options.config },
  };
  const { config, logger } = context;
  const unfit = demoSecretIssues(config);
  if (unfit.length > 0) throw new ConfigError(unfit);
  const redis = createRedisClient(context);
  const bus = createBus<C>({
    service: definition.name,
    catalog: definition.catalog ?? (retailCatalog as Catalog as C),
    redis,
    logger,
    metrics: context.metrics,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    ...busOptionsFromConfig(config),
    ...options.bus,
  });

  const closeBus = once(async function closeBus() {
    await bus.close();
  });
  const quitRedis = once(async function quitRedis() {
    await quit(redis);
  });

  let setup: ServiceSetup<C, Expose>;
  let app: ServiceInstance<ConfigOf<Schema>, C, Expose>["app"];
  try {
    setup = await definition.setup({ ...context, redis, bus, now: options.now ?? Date.now });
    subscribeHandlers(bus, setup.handlers ?? {});
    app = await buildApp({
      context,
      auth: tokenVerifierFromConfig(config),
      rateLimit: {
        redis,
        namespace: `{${definition.name}}:rate-limit:`,
        max: config.RATE_LIMIT_MAX,
        windowMs: config.RATE_LIMIT_WINDOW_MS,
      },
      routes: withBeforeClose(setup.routes, setup.beforeClose),
      readinessChecks: [
        redisReadinessCheck(redis),
        { name: "bus", check: () => bus.check() },
        ...(setup.readiness ?? []),
      ],
      ...(definition.openapi === undefined ? {} : { openapi: definition.openapi }),
    });
  } catch (error) {
    await closeBus().catch(() => {});
    await quitRedis();
    throw error;
  }

  const background = setup.background ?? [];
  const stopBackground = once(async function stopBackground() {
    const results = await Promise.allSettled(background.map((task) => task.stop()));
    const failures = results.flatMap((result, index) => {
      if (result.status === "fulfilled") return [];
      logger.error(
        { err: result.reason, task: background[index]?.name },
        "background task failed to stop",
      );
      return [result.reason];
    });
    if (failures.length > 0)
      throw new ShutdownError(failures, `${failures.length} background task(s) failed to stop`);
  });
  const afterHttp = [stopBackground, closeBus, quitRedis];

  const start = once(async () => {
    await setup.beforeStart?.();
    await bus.start();
    for (const task of background) {
      await task.start();
      logger.debug({ task: task.name }, "background task started");
    }
  });
  const close = once(async () => {
    const failures: unknown[] = [];
    const closeHttp = async function closeHttp() {
      await app.close();
    };
    for (const step of [closeHttp, ...afterHttp]) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: error, step: step.name }, "shutdown step failed");
        failures.push(error);
      }
    }
    if (failures.length > 0)
      throw new ShutdownError(failures, `${failures.length} shutdown step(s) failed`);
  });

  const service: ServiceInstance<ConfigOf<Schema>, C, Expose> = {
    ...context,
    app,
    bus,
    redis,
    expose: setup.expose ?? ({} as Expose),
    start,
    close,
  };
  return { service, afterHttp };
}

async function main<Schema extends z.ZodObject, C extends Catalog, Expose extends object>(
  definition: ServiceDefinitionOptions<Schema, C, Expose>,
  options: ServiceMainOptions<ConfigOf<Schema>, C>,
): Promise<MainHandle<ConfigOf<Schema>, C, Expose> | undefined> {
  const { io, handleSignals, spanProcessors, ...createOptions } = options;
  let handle: MainHandle<ConfigOf<Schema>, C, Expose> | undefined;
  await runService(async () => {
    // First, so the bus and the HTTP layer trace with the SDK when one is configured.
    const tracing = await startTracing({
      serviceName: definition.name,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(spanProcessors === undefined ? {} : { spanProcessors }),
    });
    let built: Built<ConfigOf<Schema>, C, Expose> | undefined;
    try {
      built = await build(definition, createOptions);
      await built.service.start();
      const running = await startService({
        app: built.service.app,
        context: built.service,
        // Tracing last, so the spans of the shutdown itself are flushed too.
        onShutdown: [
          ...built.afterHttp,
          async function flushTraces() {
            await tracing.shutdown();
          },
        ],
        ...(handleSignals === undefined ? {} : { handleSignals }),
      });
      handle = { ...running, service: built.service };
    } catch (error) {
      await built?.service.close().catch(() => {});
      await tracing.shutdown().catch(() => {});
      throw error;
    }
  }, io);
  return handle;
}

/** The service's routes, with `beforeClose` as a `preClose` hook of the app. */
function withBeforeClose(
  routes: RoutesPlugin | undefined,
  beforeClose: (() => Promise<void> | void) | undefined,
): RoutesPlugin | undefined {
  if (beforeClose === undefined) return routes;
  return async (app) => {
    app.addHook("preClose", async () => {
      await beforeClose();
    });
    if (routes) await app.register(routes);
  };
}

/** Longest wait for the socket to close once QUIT is answered (a hung Redis: `disconnect`'s own bound is 2 s). */
const QUIT_CLOSE_WAIT_MS = 3_000;

/**
 * QUIT, or disconnect when Redis does not answer, then wait for the connection to end:
 * QUIT's reply arrives before the socket closes, and "closed" is what callers mean.
 */
async function quit(redis: RedisClient): Promise<void> {
  if (redis.status === "end") return;
  const ended = new Promise<void>((resolve) => redis.once("end", () => resolve()));
  await redis.quit().catch(() => redis.disconnect());
  // While reconnecting there is no socket left to close, and ioredis emits no "end".
  const status: string = redis.status;
  if (status === "end" || status === "reconnecting") return;
  await Promise.race([ended, sleep(QUIT_CLOSE_WAIT_MS, undefined, { ref: false })]);
}

/** `fn` run at most once; later calls get the first call's promise. Keeps `fn.name` for logs. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  const wrapped = () => {
    result ??= fn();
    return result;
  };
  Object.defineProperty(wrapped, "name", { value: fn.name });
  return wrapped;
}
