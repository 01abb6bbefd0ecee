import type { DestinationStream } from "pino";
import type { Registry } from "prom-client";
import type { z } from "zod";
import { type BaseConfig, baseConfigSchema, type Env, loadConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetricsRegistry } from "./metrics.js";

/** What a service has before its app is built: its config, logger and metrics registry. */
export interface ServiceContext<Config extends BaseConfig = BaseConfig> {
  /** The service name: the logger's `name` and the `service` label of every metric. */
  readonly name: string;
  readonly config: Config;
  readonly logger: Logger;
  /** This service's Prometheus registry; register the service's own metrics here. */
  readonly metrics: Registry;
}

/** Options of {@link createServiceContext}. */
export interface ServiceContextOptions<Schema extends z.ZodObject> {
  /** Service name, e.g. `"inventory"`. */
  name: string;
  /**
   * The service's own variables. They are added to {@link baseConfigSchema}; a key
   * that is also in the base (e.g. `PORT` with a default) replaces the base entry.
   * Default: none.
   */
  configSchema?: Schema;
  /** Variables to read. Default: `process.env`. */
  env?: Env;
  /** Where log lines go. Default: stdout. Tests pass a stream to read them. */
  logDestination?: DestinationStream;
}

/**
 * Load and validate the configuration, then create the logger and metrics registry.
 * Call it first; the service creates its Redis clients and bus from the result, then
 * passes it to `buildApp` and `startService`.
 *
 * @throws {ConfigError} when a variable is missing or invalid (see `runService`)
 */
export function createServiceContext<
  Schema extends z.ZodObject = z.ZodObject<Record<never, never>>,
>(options: ServiceContextOptions<Schema>): ServiceContext<BaseConfig & z.output<Schema>> {
  const schema = options.configSchema
    ? baseConfigSchema.extend(options.configSchema.shape)
    : baseConfigSchema;
  const config = loadConfig(schema, options.env ?? process.env) as BaseConfig & z.output<Schema>;
  const logger = createLogger({
    name: options.name,
    level: config.LOG_LEVEL,
    pretty: config.NODE_ENV === "development",
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  return { name: options.name, config, logger, metrics: createMetricsRegistry(options.name) };
}
