import { createLogger, type Logger, redactConfig } from "@retail/service-kit";
import type { LoadgenConfig } from "./config.js";
import { type ClientIdentity, Fleet } from "./fleet.js";
import { HttpClient, StoppedError, waitUntilReady } from "./http.js";
import { OrderSimulator, type Product } from "./orders.js";
import { createRandom } from "./random.js";
import { createStats, type LoadgenStats, type Runtime, Scheduler } from "./runtime.js";
import { readSigningKey, TokenIssuer } from "./tokens.js";

/** Each simulated app's token lives an hour (and is renewed before it ends). */
const TOKEN_TTL_SECONDS = 3_600;

/** A running (or runnable) load generator. */
export interface Loadgen {
  /**
   * Read the signing key (`AUTH_KEYS_DIR`), wait until inventory and client-monitoring
   * are ready (`GET /health/ready`), then start the fleet and the orders. Resolves once
   * everything runs (or at once if `stop()` was called meanwhile).
   *
   * @throws {SigningKeyError} when there is no usable key (the load generator is stopped then)
   * @throws Error when a service is not ready within `READY_TIMEOUT_MS` (stopped too)
   */
  start(): Promise<void>;
  /**
   * Stop: clear every timer, let requests in flight finish within `STOP_TIMEOUT_MS`
   * (then abort them), log the final summary. Safe to call more than once.
   */
  stop(): Promise<void>;
  /** Settles once the load generator has stopped: by `stop()` or after `DURATION_MS`. */
  readonly finished: Promise<void>;
  /** The counters so far (a copy). */
  stats(): LoadgenStats;
  /** The seed of this run's random sequence: pass it as `SEED` to replay the choices. */
  readonly seed: number;
  /** The simulated client apps. */
  readonly clients: readonly ClientIdentity[];
  /** The products as last read from inventory. */
  products(): readonly Product[];
}

export interface LoadgenOptions {
  /** Default: a pino logger named `loadgen` from `LOG_LEVEL` and `NODE_ENV`. */
  logger?: Logger;
}

/** Build a load generator from its configuration (see `parseConfig`). Nothing runs before `start()`. */
export function createLoadgen(config: LoadgenConfig, options: LoadgenOptions = {}): Loadgen {
  const logger =
    options.logger ??
    createLogger({
      name: "loadgen",
      level: config.LOG_LEVEL,
      pretty: config.NODE_ENV === "development",
    });
  const random = createRandom(config.SEED);
  const stats = createStats();
  const retryRandom = random.fork("http");
  const http = new HttpClient({
    timeoutMs: config.REQUEST_TIMEOUT_MS,
    maxAttempts: config.HTTP_MAX_ATTEMPTS,
    retryBaseMs: config.HTTP_RETRY_BASE_MS,
    random: () => retryRandom.next(),
    userAgent: "retail-loadgen",
    onRetry(event) {
      stats.retries++;
      logger.info(
        {
          method: event.method,
          url: event.url,
          attempt: event.attempt,
          reason: event.reason,
          delayMs: event.delayMs,
        },
        "retrying",
      );
    },
  });
  const scheduler = new Scheduler(logger);
  let tokens: TokenIssuer | undefined;
  const authorization: Runtime["authorization"] = (subject, scopes) => {
    if (tokens === undefined) throw new Error("no tokens before start(): the key is read there");
    return tokens.authorization(subject, scopes);
  };
  const runtime: Runtime = { config, http, logger, scheduler, stats, random, authorization };
  const fleet = new Fleet(runtime);
  const orders = new OrderSimulator(runtime, fleet);

  let started = false;
  let stopping: Promise<void> | undefined;
  let markFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    markFinished = resolve;
  });

  const summary = () => {
    scheduler.after(config.SUMMARY_INTERVAL_MS, () => {
      logger.info({ ...stats }, "summary");
      summary();
    });
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      scheduler.stop();
      const aborted = await http.close(config.STOP_TIMEOUT_MS);
      await scheduler.idle();
      logger.info({ ...stats, abortedRequests: aborted }, "loadgen stopped");
      markFinished();
    })();
    return stopping;
  };

  const start = async (): Promise<void> => {
    if (started) throw new Error("the load generator was already started");
    started = true;
    logger.info(
      {
        config: redactConfig(config),
        seed: random.seed,
        clients: fleet.identities.map((client) => `${client.clientId}@${client.version}`),
      },
      "loadgen starting",
    );
    try {
      tokens = new TokenIssuer(await readSigningKey(config.AUTH_KEYS_DIR), {
        ttlSeconds: TOKEN_TTL_SECONDS,
      });
      await waitUntilReady(
        http,
        [
          { name: "inventory", url: config.INVENTORY_URL },
          { name: "client-monitoring", url: config.MONITORING_URL },
        ],
        { timeoutMs: config.READY_TIMEOUT_MS, logger },
      );
      fleet.start();
      await orders.start();
    } catch (error) {
      if (error instanceof StoppedError) return;
      await stop();
      throw error;
    }
    if (scheduler.stopped) return;
    summary();
    if (config.DURATION_MS > 0) {
      scheduler.after(config.DURATION_MS, () => {
        logger.info({ durationMs: config.DURATION_MS }, "duration over");
        void stop();
      });
    }
    logger.info(
      { ordersPerSecond: config.ORDERS_PER_SECOND, clients: fleet.identities.length },
      "loadgen running",
    );
  };

  return {
    start,
    stop,
    finished,
    stats: () => ({ ...stats }),
    seed: random.seed,
    clients: fleet.identities,
    products: () => orders.products,
  };
}
