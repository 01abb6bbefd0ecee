import type { BackgroundTask, Logger } from "@retail/service-kit";
import type { ShipmentStore } from "./store/shipments.js";

export interface TimerLoopOptions {
  store: ShipmentStore;
  /** Pause between looks when nothing more is due. */
  pollMs: number;
  /** Due timers read per look. */
  batch: number;
  logger: Logger;
}

/** At most one "timers failing" warning per this many ms, so a Redis outage does not flood the logs. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Each instance's loop over the durable timers in `{shipping}:timers`. It reads the
 * due ones and fires each through the store's transition script, which removes the
 * timer in the same atomic step as the transition: with several instances polling,
 * each transition happens once, and a crash between reading and firing loses nothing
 * (the timer is still there for the next look). Its timer never keeps the process alive.
 * A background task of the service: started after the bus, stopped before it closes.
 */
export class TimerLoop implements BackgroundTask {
  readonly name = "timers";
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastErrorLog = 0;

  constructor(private readonly options: TimerLoopOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stop polling; resolves once a look in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One look: fire every due timer (up to a batch). Resolves to true when the batch was
   * full and something was applied, i.e. more may be due right away.
   */
  async tick(): Promise<boolean> {
    const { store, batch, logger } = this.options;
    let members: string[];
    try {
      members = await store.dueTimers(batch);
    } catch (error) {
      this.warn(error, "could not read due timers");
      return false;
    }
    // Instances reading the same due timers then mostly try different ones first.
    const results = await Promise.allSettled(
      shuffle(members).map(async (member) => {
        const result = await store.fireTimer(member);
        if (result.outcome === "applied") {
          const { shipmentId, orderId, status, correlationId } = result.shipment;
          logger.info({ correlationId, shipmentId, orderId, status }, `shipment ${status}`);
        } else if (result.outcome === "wrong_state" || result.outcome === "not_found") {
          logger.debug({ member, outcome: result.outcome }, "dropped a timer with nothing to do");
        }
        return result.outcome === "applied";
      }),
    );
    let applied = false;
    for (const result of results) {
      if (result.status === "rejected") this.warn(result.reason, "could not fire a timer");
      else applied ||= result.value;
    }
    return applied && members.length === batch;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.tick().then((more) => {
        this.running = undefined;
        if (!this.stopped) this.schedule(more ? 0 : this.options.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private warn(error: unknown, message: string): void {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog = now;
    this.options.logger.warn({ err: error }, `${message}; retrying on the next look`);
  }
}

function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
