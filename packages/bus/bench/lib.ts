import { type ChildProcess, fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type MachineFacts, machineFacts } from "@retail/testing/bench-report";
import type { Redis } from "ioredis";
import { pino } from "pino";

export {
  formatMb,
  formatMs,
  formatRate,
  median,
  percentile,
  ratio,
  redisInfo,
  table,
} from "@retail/testing/bench-report";

/** The bus logs nothing during a benchmark. */
export const silentLogger = pino({ level: "silent" });

/** The bus package directory (children run from there so `tsx` and the package names resolve). */
export const packageDir = fileURLToPath(new URL("..", import.meta.url));

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function rate(count: number, ms: number): number {
  return (count * 1_000) / ms;
}

export interface Machine extends Omit<MachineFacts, "redisVersion"> {
  /** The version, and how this run's server runs. */
  redis: string;
  persistence: string;
}

export async function machine(redis: Redis, persistence: string): Promise<Machine> {
  const { redisVersion, ...host } = await machineFacts(redis);
  return {
    ...host,
    redis: `${redisVersion} (redis:7-bookworm container, persistence ${persistence})`,
    persistence,
  };
}

/** The machine's CPU time so far (Linux `/proc/stat`, in ticks): all of it, and what the hypervisor took. */
export interface CpuTicks {
  total: number;
  steal: number;
}

/** {@link CpuTicks} now; undefined where `/proc/stat` cannot be read (not Linux). */
export async function cpuTicks(): Promise<CpuTicks | undefined> {
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: ticks.reduce((sum, value) => sum + value, 0), steal: ticks[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** The share of CPU time the hypervisor took between two readings of {@link cpuTicks}, e.g. "9.8%". */
export function stolenShare(from: CpuTicks | undefined, to: CpuTicks | undefined): string {
  if (!from || !to || to.total <= from.total) return "unknown";
  return `${((100 * (to.steal - from.steal)) / (to.total - from.total)).toFixed(1)}%`;
}

/**
 * What one round trip to Redis costs here: 1 000 sequential `PING`s, wall time and this
 * process's CPU per round trip. Every batch the bus reads, checks and acknowledges pays
 * a few of these, so this is the first figure to compare between machines.
 */
export async function pingRoundTrip(redis: Redis): Promise<{ wallUs: number; cpuUs: number }> {
  const count = 1_000;
  for (let warmUp = 0; warmUp < 200; warmUp++) await redis.ping();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let sent = 0; sent < count; sent++) await redis.ping();
  const wallUs = ((performance.now() - started) * 1_000) / count;
  const used = process.cpuUsage(cpu);
  return { wallUs, cpuUs: (used.user + used.system) / count };
}

/**
 * Run a bench script (`bench/<name>.ts`) in a process of its own, under tsx, with extra
 * Node flags. The child talks back over IPC; it is killed if still alive at `stop`.
 */
export function child(name: string, args: readonly string[], nodeFlags: readonly string[] = []) {
  const process = fork(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), [...args], {
    cwd: packageDir,
    execArgv: ["--import", "tsx", ...nodeFlags],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return process;
}

/** The next IPC message of a child that satisfies `accept`, or a rejection after `timeoutMs`. */
export function nextMessage<T>(
  process: ChildProcess,
  accept: (message: unknown) => message is T,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      if (!accept(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (code ${code}) while waiting for ${what}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      process.off("message", onMessage);
      process.off("exit", onExit);
    };
    process.on("message", onMessage);
    process.on("exit", onExit);
  });
}

/** Wait for a child to exit, killing it after `timeoutMs`. */
export async function exited(process: ChildProcess, timeoutMs: number): Promise<void> {
  if (process.exitCode !== null || process.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      process.kill("SIGKILL");
    }, timeoutMs);
    process.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Is this an IPC message of the given type? */
export function messageOf<T extends { type: string }>(type: T["type"]) {
  return (message: unknown): message is T =>
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === type;
}
