import { describe, expect, it, vi } from "vitest";
import { useFixtureProcesses } from "../test/fixture-process.js";

/** Run the fixture service as a real process; `exited` resolves with its exit code. */
const runFixture = useFixtureProcesses("signal-service.ts");

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
