/**
 * Child processes: the real services (`services/<name>/src/main.ts`) and this
 * benchmark's own servers (`src/servers/*.ts`), each a Node process of its own under
 * tsx, as in production one process per service. Every child started is remembered,
 * so a failed run or a Ctrl-C still stops them all.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { freePort, pollUntil } from "@retail/testing";
import { ChildProcessError } from "./errors.js";
import { benchIdentity } from "./identity.js";
import { benchDir, repoRoot } from "./paths.js";

export { repoRoot } from "./paths.js";

/** Where children listen: loopback only. */
export const HOST = "127.0.0.1";

export type ServiceName = "inventory" | "shipping" | "client-monitoring";

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly baseUrl: string;
  /** The last lines the child wrote, for the error when it dies. */
  logTail(): string;
  stop(): Promise<void>;
}

const running = new Set<Child>();

/** Stop every child still running (the `finally` of the run, and the signal handlers). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((child) => child.stop()));
}

async function startChild(options: {
  name: string;
  script: string;
  cwd: string;
  env: Record<string, string>;
  readyPath: string;
  execArgv?: string[];
}): Promise<Child> {
  const port = await freePort(HOST); // released for the child to bind
  const process_: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@retail/source", "--import", "tsx", ...(options.execArgv ?? []), options.script],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, PORT: String(port), HOST },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  process_.stdout?.on("data", keep);
  process_.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => process_.once("exit", () => resolve()));
  const pid = process_.pid;
  if (pid === undefined) throw new ChildProcessError(`${options.name} did not start`);

  const child: Child = {
    name: options.name,
    pid,
    baseUrl: `http://${HOST}:${port}`,
    logTail: () => lines.join("\n"),
    async stop() {
      running.delete(child);
      if (process_.exitCode !== null || process_.signalCode !== null) return;
      process_.kill("SIGTERM");
      const timer = setTimeout(() => process_.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);

  try {
    await pollUntil(
      `${options.name} to answer ${options.readyPath}`,
      async () => {
        if (process_.exitCode !== null)
          throw new ChildProcessError(`${options.name} exited with code ${process_.exitCode}`);
        const response = await fetch(`${child.baseUrl}${options.readyPath}`);
        await response.arrayBuffer();
        return response.ok ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
  } catch (error) {
    await child.stop();
    throw new ChildProcessError(`${options.name} never became ready:\n${child.logTail()}`, {
      cause: error,
    });
  }
  return child;
}

/**
 * Where a service's Redis is: a single server's URL, or the variables a service reads
 * it from (`REDIS_URL`, and `REDIS_CLUSTER_NODES` on a cluster).
 */
export type RedisTarget = string | Record<string, string>;

/**
 * Far above any rate the benchmark reaches: the services' rate limiter still counts
 * every request (its Redis round trip is part of what is measured) but never refuses
 * the benchmark's one customer.
 */
const UNREACHED_LIMIT = "1000000000";

/** A real service, from its `src/main.ts`, on a free loopback port, trusting the run's tokens. */
export async function startService(
  name: ServiceName,
  redis: RedisTarget,
  env: Record<string, string> = {},
): Promise<Child> {
  const redisEnv = typeof redis === "string" ? { REDIS_URL: redis } : redis;
  const { jwksFile } = await benchIdentity();
  return startChild({
    name,
    script: "src/main.ts",
    cwd: `${repoRoot}services/${name}`,
    env: {
      ...redisEnv,
      AUTH_JWKS_FILE: jwksFile,
      RATE_LIMIT_MAX: UNREACHED_LIMIT,
      ORDERS_PER_MINUTE_PER_CUSTOMER: UNREACHED_LIMIT,
      LOG_LEVEL: "warn",
      // not "production": the kit refuses the demo key's kind there
      NODE_ENV: "test",
      ...env,
    },
    readyPath: "/health/ready",
  });
}

/** Inventory without its demo catalog: the benchmark seeds its own product. */
export function startInventory(redis: RedisTarget): Promise<Child> {
  return startService("inventory", redis, { SEED_DEMO_CATALOG: "false" });
}

/** One of this benchmark's own servers (`src/servers/<name>.ts`). */
export function startOwnServer(name: "bare" | "naive", redisUrl: string): Promise<Child> {
  return startChild({
    name,
    script: `src/servers/${name}.ts`,
    cwd: benchDir,
    env: { REDIS_URL: redisUrl },
    readyPath: "/ready",
  });
}

/** Resident set size of a process, in bytes (`VmRSS` of /proc/<pid>/status). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new ChildProcessError(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}
