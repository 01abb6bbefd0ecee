import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { useRedisServer } from "@retail/testing";
import { afterEach, describe, expect, it, vi } from "vitest";

// The fixture imports the bus from its TypeScript sources, which use parameter
// properties: Node must transform types, not just strip them.
const NODE_ARGS = [
  "--conditions=@retail/source",
  "--experimental-transform-types",
  "--no-warnings=ExperimentalWarning",
  "--import",
  fileURLToPath(new URL("../test/fixtures/register-ts.mjs", import.meta.url)),
  fileURLToPath(new URL("../test/fixtures/defined-service.ts", import.meta.url)),
];

const children: ChildProcess[] = [];
afterEach(() => {
  // A failed assertion must not leave a service process behind.
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** `main()` of a defined service as a real process; `exited` resolves with its exit code. */
function runFixture(redisUrl: string) {
  const child = spawn(process.execPath, NODE_ARGS, {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      REDIS_URL: redisUrl,
    },
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

describe("a defined service's main() as a process", () => {
  const redis = useRedisServer({ persistence: "none" });

  it("on SIGTERM runs beforeClose, stops its background task while Redis is open, and exits 0", async () => {
    const fixture = runFixture(redis().url);
    await vi.waitFor(() => expect(fixture.stdout()).toMatch(/listening on \d+/), {
      timeout: 20_000,
    });
    fixture.child.kill("SIGTERM");
    expect(await fixture.exited).toBe(0);
    expect(fixture.stdout()).toMatch(
      /^background started\nlistening on \d+\nbeforeClose\nbackground stopped, redis ready\n$/,
    );
  });

  it("reports a Redis it cannot reach at start on stderr, and exits 1", async () => {
    const fixture = runFixture("redis://127.0.0.1:1");
    expect(await fixture.exited).toBe(1);
    expect(fixture.stderr()).toMatch(/^Failed to start: /);
    expect(fixture.stdout()).not.toContain("listening");
  });
});
