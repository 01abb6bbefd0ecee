import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
// Types only: global-setup.ts imports this module too, and the global setup resolves
// workspace packages to their built dist/, which a fresh clone has not got. The tests'
// own workers load the kit from source, below.
import type { DevSigningKey, Scope } from "@retail/service-kit";

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A project name of its own, so the test never touches a demo you have running. */
export const PROJECT = process.env.E2E_COMPOSE_PROJECT ?? "retail-e2e";

/**
 * The compose files of the stack, from the repository root: the demo's, and an
 * overlay's after it for a variant (comma-separated; vitest.compose.cluster.config.ts
 * adds docker-compose.cluster.yml).
 */
const FILES = (process.env.E2E_COMPOSE_FILES ?? "docker-compose.yml").split(",");

/** The environment the stack runs with in this test: a gentle loadgen beside the test's orders. */
const STACK_ENV = {
  ...process.env,
  ORDERS_PER_SECOND: process.env.E2E_LOADGEN_ORDERS_PER_SECOND ?? "0.5",
  // loadgen reads the products once, before the test adds its own: otherwise a refresh
  // during the test restocks the test's empty SKU and an out-of-stock order succeeds.
  PRODUCTS_REFRESH_MS: "3600000",
  LOG_LEVEL: "warn",
};

/** `docker compose -p <project> -f <file>… …` from the repository root. */
export async function compose(...args: string[]): Promise<string> {
  const files = FILES.flatMap((file) => ["-f", file]);
  const { stdout } = await run("docker", ["compose", "-p", PROJECT, ...files, ...args], {
    cwd: repositoryRoot,
    env: STACK_ENV,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** The container ids of a compose service (address containers by id, never by name). */
export async function containersOf(service: string): Promise<string[]> {
  return (await compose("ps", "-q", service)).split("\n").filter(Boolean);
}

export async function healthOf(container: string): Promise<string> {
  return docker(
    "inspect",
    "-f",
    "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}",
    container,
  );
}

/** Poll `check` every `intervalMs` until it resolves truthy, at most `timeoutMs`; then fail with `what`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}

/**
 * Where the README says each HTTP service answers on the host: fixed ports, whatever
 * restarts or scaling happened (shipping's through shipping-gateway).
 */
export const URLS = {
  inventory: "http://127.0.0.1:3001",
  shipping: "http://127.0.0.1:3002",
  "client-monitoring": "http://127.0.0.1:3003",
  notifications: "http://127.0.0.1:3004",
} as const;

/** Every service container healthy (loadgen has no health check: running is enough). */
export async function waitForHealthyStack(timeoutMs: number): Promise<void> {
  await waitUntil(
    "every service to be healthy",
    async () => {
      for (const service of [
        "redis",
        "inventory",
        "shipping",
        "shipping-gateway",
        "client-monitoring",
        "notifications",
        "loadgen",
      ]) {
        const [container] = await containersOf(service);
        if (!container) return false;
        const health = await healthOf(container);
        if (health !== (service === "loadgen" ? "running" : "healthy")) return false;
      }
      return true;
    },
    timeoutMs,
  );
}

/** Until the service answers 200 on `/health/ready` at its documented URL (Redis reachable, every subscription reading). */
export async function waitUntilReady(service: keyof typeof URLS, timeoutMs: number): Promise<void> {
  await waitUntil(
    `${service} to be ready`,
    async () => {
      const response = await fetch(`${URLS[service]}/health/ready`, {
        signal: AbortSignal.timeout(2_000),
      });
      return response.status === 200;
    },
    timeoutMs,
    100,
  );
}

/**
 * SIGKILL the service's container, like a crash, and start it again. It counts as down
 * once its process is gone, whether Docker restarted it by itself or not.
 */
export async function killAndRestart(service: string): Promise<void> {
  const [container] = await containersOf(service);
  if (!container) throw new Error(`no container for ${service}`);
  const pid = await docker("inspect", "-f", "{{.State.Pid}}", container);
  await docker("kill", "--signal", "KILL", container);
  await waitUntil(
    `${service}'s process ${pid} to be gone`,
    async () => (await docker("inspect", "-f", "{{.State.Pid}}", container)) !== pid,
    30_000,
    100,
  );
  await compose("start", service);
}

let signingKey: Promise<DevSigningKey> | undefined;

/**
 * The stack's signing key, read once out of its auth-keys volume through the retail
 * CLI's container (which mounts it read-only): the tests sign their tokens as the
 * demo's token issuers (the CLI, loadgen) do, for whichever customer or client app
 * they act as.
 */
export function stackSigningKey(): Promise<DevSigningKey> {
  signingKey ??= compose(
    "run",
    "--rm",
    "-T",
    "--entrypoint",
    "cat",
    "retail",
    "/keys/signing-key.jwk.json",
  ).then(async (jwk) => {
    const { devSigningKeyFrom } = await import("@retail/service-kit");
    return devSigningKeyFrom(JSON.parse(jwk));
  });
  return signingKey;
}

/**
 * `Bearer <token>` of `subject` with `scopes` (default: every scope, staff that may do
 * anything), signed with the stack's key.
 */
export async function bearer(subject = "e2e-staff", scopes?: readonly Scope[]): Promise<string> {
  const key = await stackSigningKey();
  scopes ??= (await import("@retail/service-kit")).SCOPE_NAMES;
  return `Bearer ${await key.sign({ subject, scopes, expiresInSeconds: 3_600 })}`;
}

/** `{ authorization }` headers of {@link bearer}. */
export async function authorized(
  subject?: string,
  scopes?: readonly Scope[],
): Promise<{ authorization: string }> {
  return { authorization: await bearer(subject, scopes) };
}
