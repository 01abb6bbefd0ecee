import { useRedisServer } from "@retail/testing";
import { describe, expect, it, vi } from "vitest";
import { useFixtureProcesses } from "../test/fixture-process.js";

const run = useFixtureProcesses("defined-service.ts");

/** `main()` of a defined service as a real process; `exited` resolves with its exit code. */
function runFixture(redisUrl: string) {
  return run({ REDIS_URL: redisUrl });
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
