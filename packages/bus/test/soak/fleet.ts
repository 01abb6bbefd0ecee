import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const CONSUMER = fileURLToPath(new URL("./consumer.ts", import.meta.url));

/** One consumer process slot: restarted whenever its process ends, as a supervisor would. */
interface Slot {
  group: string;
  name: string;
  process: ChildProcess | undefined;
  lives: number;
}

/**
 * The soak's consumer processes: each runs consumer.ts for a group, and is restarted
 * after it ends (killed by a fault, or crashed by an event) until the fleet stops.
 */
export class Fleet {
  private readonly slots: Slot[] = [];
  /** Processes a fault killed: their end is not a crash. */
  private readonly killedByFault = new WeakSet<ChildProcess>();
  private stopping = false;
  /** Process ends that no fault caused: events that crashed their consumer. */
  crashes = 0;
  kills = 0;

  constructor(
    private readonly redisUrl: string,
    private readonly restartDelayMs: () => number,
  ) {}

  /** Start a process for `group`; resolves once it reads. */
  async add(group: string, name: string): Promise<void> {
    const slot: Slot = { group, name, process: undefined, lives: 0 };
    this.slots.push(slot);
    await this.launch(slot);
  }

  /** The slots of a group, by index. */
  members(group: string): number[] {
    return this.slots.flatMap((slot, index) => (slot.group === group ? [index] : []));
  }

  /** SIGKILL one slot's process; it is restarted after the restart delay. */
  kill(index: number): void {
    const child = this.slots[index]?.process;
    if (!child || child.exitCode !== null) return;
    this.kills += 1;
    this.killedByFault.add(child);
    child.kill("SIGKILL");
  }

  /** Stop every process: SIGTERM (the bus closes gracefully), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        const child = slot.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  get restarts(): number {
    return this.slots.reduce((sum, slot) => sum + slot.lives - 1, 0);
  }

  private async launch(slot: Slot): Promise<void> {
    slot.lives += 1;
    const child = spawn(
      process.execPath,
      [
        "--conditions=@retail/source",
        "--import",
        "tsx",
        CONSUMER,
        this.redisUrl,
        slot.group,
        `${slot.name}-life-${slot.lives}`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    slot.process = child;
    child.on("exit", () => {
      if (!this.killedByFault.has(child) && !this.stopping) this.crashes += 1;
      if (this.stopping) return;
      setTimeout(() => {
        if (!this.stopping) void this.launch(slot);
      }, this.restartDelayMs());
    });
    await new Promise<void>((resolve) => {
      let output = "";
      child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        if (output.includes("ready")) resolve();
      });
      child.on("exit", () => resolve());
    });
  }
}
