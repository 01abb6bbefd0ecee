import { useRedisServer } from "@retail/testing";
import { describe, expect, it } from "vitest";
import { runSoak } from "./soak/run.js";

describe("the fault soak", () => {
  const redis = useRedisServer();

  it("loses nothing and does nothing twice under a seeded schedule of consumer kills, client pauses and cuts, Redis restarts, throws, hangs, poison, crashes and replays", async () => {
    const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const result = await runSoak({
      redis: redis(),
      seed,
      durationMs: 30_000,
      rate: 60,
      keys: 20,
      workers: 2,
      settleTimeoutMs: 60_000,
      log: process.env.SOAK_LOG ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
    // the seed repeats the run: SOAK_SEED=<seed> pnpm --filter @retail/bus test soak
    expect({ seed, violations: result.violations.slice(0, 20) }).toEqual({ seed, violations: [] });
    expect(result.published).toBeGreaterThan(500);
    expect(result.groups.map((group) => group.handled)).not.toContain(0);
  }, 240_000);
});
