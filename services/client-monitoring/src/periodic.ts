import type { BackgroundTask } from "@retail/service-kit";
import type { Logger } from "pino";

/**
 * Runs `task` every `intervalMs`, never two runs at once (the next is scheduled when one
 * ends). A failing run is logged (at most once a minute per kind of failure) and the
 * loop goes on. `stop()` cancels the next run and waits for the current one.
 */
export class PeriodicTask implements BackgroundTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastFailureLog = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.intervalMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.task();
    } catch (error) {
      const kind = error instanceof Error ? error.message : String(error);
      const now = Date.now();
      if (now - (this.lastFailureLog.get(kind) ?? 0) < 60_000) return;
      this.lastFailureLog.set(kind, now);
      if (this.lastFailureLog.size > 100) this.lastFailureLog.clear();
      this.logger.warn({ err: error, task: this.name }, `${this.name} failed; retrying`);
    }
  }
}
