import type { Logger, Scope } from "@retail/service-kit";
import type { LoadgenConfig } from "./config.js";
import { type HttpClient, StoppedError } from "./http.js";
import type { Random } from "./random.js";

/** What the load generator counted since it started; logged in every summary. */
export interface LoadgenStats {
  /** Orders inventory accepted (201). */
  ordersPlaced: number;
  /** Orders inventory refused for lack of stock (409 `out_of_stock`). */
  ordersRejected: number;
  /** Orders that got another error or no answer. */
  ordersFailed: number;
  /** Orders sent to a country shipping does not serve (counted when sent). */
  ordersToUnsupportedCountry: number;
  /** Orders with a line of 20+ units (counted when sent). */
  largeOrders: number;
  /** Cancels inventory accepted for shipping to decide (202), or found done (200). */
  cancelsRequested: number;
  /** Cancels inventory refused at once (409: already dispatched, ...) or that failed. */
  cancelsRefused: number;
  restocks: number;
  restocksFailed: number;
  productRefreshes: number;
  heartbeatsSent: number;
  heartbeatsFailed: number;
  telemetryBatches: number;
  telemetryEvents: number;
  telemetryFailed: number;
  /** Quiet spells begun (a client stopped sending for a while). */
  quietSpells: number;
  /** Quiet spells over (the client sends again). */
  quietSpellsEnded: number;
  /** HTTP attempts repeated after a network failure or a 502/503/504. */
  retries: number;
}

export function createStats(): LoadgenStats {
  return {
    ordersPlaced: 0,
    ordersRejected: 0,
    ordersFailed: 0,
    ordersToUnsupportedCountry: 0,
    largeOrders: 0,
    cancelsRequested: 0,
    cancelsRefused: 0,
    restocks: 0,
    restocksFailed: 0,
    productRefreshes: 0,
    heartbeatsSent: 0,
    heartbeatsFailed: 0,
    telemetryBatches: 0,
    telemetryEvents: 0,
    telemetryFailed: 0,
    quietSpells: 0,
    quietSpellsEnded: 0,
    retries: 0,
  };
}

/**
 * Timers and background tasks that one call stops: every timer the load generator
 * sets goes through here, so `stop()` leaves none behind.
 */
export class Scheduler {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #logger: Logger;
  #stopped = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Run `action` after `ms` (ignored once stopped). */
  after(ms: number, action: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (!this.#stopped) action();
      },
      Math.max(0, ms),
    );
    this.#timers.add(timer);
  }

  /**
   * Run an async task in the background, tracked until it settles. A
   * {@link StoppedError} (the HTTP client closing) is expected and ignored; any other
   * error is logged, never left unhandled.
   */
  run(name: string, task: () => Promise<void>): void {
    if (this.#stopped) return;
    const promise = task().catch((error: unknown) => {
      if (error instanceof StoppedError) return;
      this.#logger.error({ err: error, task: name }, "task failed");
    });
    this.#tasks.add(promise);
    void promise.then(() => this.#tasks.delete(promise));
  }

  /** Clear every timer; tasks already running go on (see {@link Scheduler.idle}). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Settles once every task started so far has. */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }
}

/** What the fleet and the order simulator share. */
export interface Runtime {
  config: LoadgenConfig;
  http: HttpClient;
  logger: Logger;
  scheduler: Scheduler;
  stats: LoadgenStats;
  random: Random;
  /** `Bearer <token>` of `subject` with `scopes` (see `TokenIssuer`); only after `start()`. */
  authorization(subject: string, scopes: readonly Scope[]): Promise<string>;
}
