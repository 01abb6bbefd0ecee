import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { useBusTestbed } from "../test/fixtures.js";

const notice = z.object({ text: z.string().min(1) });

// A server of its own, not the run's Redis: it cuts connections with CLIENT KILL on its
// one server (vitest.cluster.config.ts leaves it out).
describe("Pub/Sub after a cut connection", () => {
  const testbed = useBusTestbed();

  it("subscribes again by itself after its connection is cut", async () => {
    const received: string[] = [];
    await testbed
      .bus("worker")
      .pubsub.broadcast("dashboard", notice)
      .subscribe((message) => received.push(message.text));
    expect(await testbed.redis().killClients("pubsub")).toBe(1);
    const channel = testbed.bus("tester").pubsub.broadcast("dashboard", notice);
    await vi.waitFor(async () => expect(await channel.publish({ text: "after" })).toBe(1));
    await vi.waitFor(() => expect(received).toContain("after"));
  });
});
