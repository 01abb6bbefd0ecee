import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useMonitoring } from "../../test/harness.js";
import type { RedisMemoryWatch } from "./redis-memory.js";

describe("the redis_memory_high alert", () => {
  const monitoring = useMonitoring();
  let admin: Redis;

  beforeEach(() => {
    admin = monitoring.redis().client();
  });
  afterEach(async () => {
    await admin.config("SET", "maxmemory", "0");
    admin.disconnect();
  });

  async function watch(): Promise<RedisMemoryWatch> {
    return (await monitoring.instance({}, { start: false })).expose.memory;
  }

  /** Set `maxmemory` so that what Redis uses now is `share` of it. */
  async function useShare(share: number): Promise<void> {
    const used = Number(/^used_memory:(\d+)/m.exec(await admin.info("memory"))?.[1]);
    await admin.config("SET", "maxmemory", String(Math.floor(used / share)));
  }

  const memoryAlerts = async () =>
    (await monitoring.events("alert.raised")).filter(
      (event) => (event.payload as { kind: string }).kind === "redis_memory_high",
    );

  it("is raised once per crossing of 80 % of maxmemory, however many instances check, and again after the node went back under 70 %", async () => {
    const watches = await Promise.all([watch(), watch(), watch()]);
    expect(await watches[0]?.check()).toBe(0); // no maxmemory: nothing to compare with
    // Data enough that connections and scripts coming and going move the share little.
    await admin.set("filler", "x".repeat(32 * 1024 * 1024));

    await useShare(0.9);
    const raised = await Promise.all(watches.flatMap((each) => [each.check(), each.check()]));
    expect(raised.reduce((sum, count) => sum + count, 0)).toBe(1);
    const [alert] = await memoryAlerts();
    expect(alert?.payload).toMatchObject({
      kind: "redis_memory_high",
      severity: "critical",
      message: expect.stringMatching(/^Redis \S+:\d+ uses (89|9\d) % of its maxmemory/),
    });

    await useShare(0.75); // under the alert, over the re-arm mark: still alerted
    expect(await watches[1]?.check()).toBe(0);
    await useShare(0.5);
    expect(await watches[1]?.check()).toBe(0);
    await useShare(0.9);
    expect(await watches[2]?.check()).toBe(1);
    expect(await memoryAlerts()).toHaveLength(2);
  });
});
