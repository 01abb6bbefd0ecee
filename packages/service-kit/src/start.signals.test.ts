import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

const NODE_ARGS = [
  "--import",
  fileURLToPath(new URL("../test/fixtures/register-ts.mjs", import.meta.url)),
  fileURLToPath(new URL("../test/fixtures/signal-service.ts", import.meta.url)),
];

const children: ChildProcess[] = [];
afterEach(() => {
  // A failed assertion must not leave a service process behind.
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Run the fixture service as a real process; `exited` resolves with its exit code. */
function runFixture(env: Record<string, string>) {
  const child = spawn(process.execPath, NODE_ARGS, {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function startedFixture(env: Record<string, string>) {
  const fixture = runFixture({ PORT: "0", ...env });
  await vi.waitFor(() => expect(fixture.stdout()).toMatch(/listening on \d+/), { timeout: 20_000 });
  return fixture;
}

describe("a service process", () => {
  it("on SIGTERM runs its shutdown hooks and exits 0", async () => {
    const fixture = await startedFixture({});
    fixture.child.kill("SIGTERM");
    expect(await fixture.exited).toBe(0);
    expect(fixture.stdout()).toContain("hook: closing bus\nhook: bus closed\n");
  });

  it("on SIGINT shuts down the same way", async () => {
    const fixture = await startedFixture({});
    fixture.child.kill("SIGINT");
    expect(await fixture.exited).toBe(0);
    expect(fixture.stdout()).toContain("hook: bus closed\n");
  });

  it("exits 1 when a shutdown hook fails", async () => {
    const fixture = await startedFixture({ HOOK_MODE: "fail" });
    fixture.child.kill("SIGTERM");
    expect(await fixture.exited).toBe(1);
    expect(fixture.stdout()).toContain("hook: closing bus\n");
  });

  it("exits 1 when shutdown outlasts SHUTDOWN_TIMEOUT_MS", async () => {
    const fixture = await startedFixture({ HOOK_MODE: "hang", SHUTDOWN_TIMEOUT_MS: "200" });
    fixture.child.kill("SIGTERM");
    expect(await fixture.exited).toBe(1);
    expect(fixture.stdout()).not.toContain("hook: bus closed");
  });

  it("exits 1 with one line per bad variable and no stack when the configuration is invalid", async () => {
    const fixture = runFixture({ LOG_LEVEL: "loud", HOOK_MODE: "sometimes" });
    expect(await fixture.exited).toBe(1);
    expect(fixture.stderr()).toContain(
      "Invalid configuration:\n  PORT: is required but not set\n  LOG_LEVEL: Invalid option",
    );
    expect(fixture.stderr()).toMatch(
      /\n {2}HOOK_MODE: Invalid option: expected one of "ok"\|"fail"\|"hang"\n/,
    );
    expect(fixture.stderr()).not.toMatch(/\n\s+at /);
  });
});
