import closeWithGrace from "close-with-grace";
import type { KitApp } from "./app-types.js";
import { type BaseConfig, redactConfig } from "./config.js";
import type { ServiceContext } from "./context.js";

/** Work to do on shutdown after HTTP has drained, e.g. `() => bus.close()`. */
export type ShutdownHook = () => Promise<void> | void;

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** From `buildApp`. */
  app: KitApp;
  /** From `createServiceContext`; gives `PORT`, `HOST`, `SHUTDOWN_TIMEOUT_MS` and the logger. */
  context: ServiceContext<BaseConfig>;
  /** Run one after another, in this order, after the HTTP server has closed. Default: none. */
  onShutdown?: readonly ShutdownHook[];
  /**
   * Shut down gracefully on SIGTERM/SIGINT (and on an uncaught error), then exit the
   * process: code 0 when clean, 1 when a hook fails, an error was uncaught, or the
   * `SHUTDOWN_TIMEOUT_MS` deadline passes. Default: `true`.
   */
  handleSignals?: boolean;
}

/** A listening service. */
export interface RunningService {
  /** e.g. `http://127.0.0.1:3001`. */
  readonly address: string;
  readonly port: number;
  /**
   * The same shutdown a signal triggers, without exiting the process: stop accepting
   * connections, drain in-flight requests, run the hooks. Resolves when clean; rejects
   * with {@link ShutdownError} when a hook fails or the deadline passes. Calling it again
   * returns the same promise.
   */
  shutdown(): Promise<void>;
}

/** Shutdown did not finish cleanly; `errors` holds each failure. */
export class ShutdownError extends AggregateError {
  readonly code = "shutdown_failed";

  constructor(errors: readonly unknown[], message: string) {
    super(errors, message);
    this.name = "ShutdownError";
  }
}

/**
 * Log the (redacted) configuration, listen on `HOST:PORT`, and arrange for a graceful
 * shutdown within `SHUTDOWN_TIMEOUT_MS`.
 */
export async function startService(options: StartServiceOptions): Promise<RunningService> {
  const { app, context } = options;
  const { logger, config } = context;
  const hooks = options.onShutdown ?? [];

  let shuttingDown: Promise<void> | undefined;
  const shutdownOnce = () => {
    shuttingDown ??= drainThenRunHooks(app, hooks, config.SHUTDOWN_TIMEOUT_MS, logger);
    return shuttingDown;
  };

  logger.info({ config: redactConfig(config) }, "starting");
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  const bound = app.server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : config.PORT;

  const grace =
    options.handleSignals === false
      ? undefined
      : closeWithGrace(
          // The deadline is enforced by drainThenRunHooks, for signals and shutdown() alike.
          {
            delay: false,
            logger: { error: (error) => logger.error({ err: error }, "shutdown failed") },
          },
          async ({ signal, err }) => {
            if (err) logger.fatal({ err }, "uncaught error, shutting down");
            else logger.info({ signal }, "shutting down");
            await shutdownOnce();
            logger.info("shutdown complete");
          },
        );

  return {
    address,
    port,
    shutdown: () => {
      grace?.uninstall();
      return shutdownOnce();
    },
  };
}

async function drainThenRunHooks(
  app: KitApp,
  hooks: readonly ShutdownHook[],
  timeoutMs: number,
  logger: ServiceContext["logger"],
): Promise<void> {
  const failures: unknown[] = [];
  const work = (async () => {
    try {
      // close() stops accepting connections and waits for in-flight requests.
      await app.close();
    } catch (error) {
      logger.error({ err: error }, "closing the HTTP server failed");
      failures.push(error);
    }
    for (const [index, hook] of hooks.entries()) {
      try {
        await hook();
      } catch (error) {
        logger.error({ err: error, hook: hook.name || `#${index}` }, "shutdown hook failed");
        failures.push(error);
      }
    }
  })();

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const outcome = await Promise.race([work.then(() => "done" as const), deadline]);
    if (outcome === "timeout")
      throw new ShutdownError(failures, `shutdown did not finish within ${timeoutMs} ms`);
  } finally {
    clearTimeout(timer);
  }
  if (failures.length > 0)
    throw new ShutdownError(failures, `${failures.length} shutdown step(s) failed`);
}
