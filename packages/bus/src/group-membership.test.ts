import { useRedis } from "@retail/testing";
import { describe, expect, it } from "vitest";
import { useBusTestbed } from "../test/fixtures.js";
import { leaveGroupIfIdle } from "./group-membership.js";
import { streamKey } from "./keys.js";
import { ensureGroup } from "./reader.js";

const stream = streamKey("test.order-placed", 0);

describe("leaving a consumer group", () => {
  const testbed = useBusTestbed(useRedis());

  it("never removes a consumer that holds entries, even one whose read lands during the check", async () => {
    const commands = testbed.redis().client();
    const reader = testbed.redis().client();
    await ensureGroup(commands, stream, "worker", "$");
    const trials = 200;
    for (let trial = 0; trial < trials; trial += 1)
      await commands.xadd(stream, "*", "trial", String(trial));
    let delivered = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      const consumer = `consumer-${trial}`;
      // the consumer's last read races its removal, as in a shutdown whose read was on the wire
      const [, read] = await Promise.all([
        leaveGroupIfIdle(commands, stream, "worker", consumer),
        new Promise((resolve) => setImmediate(resolve)).then(() =>
          reader.xreadgroup("GROUP", "worker", consumer, "COUNT", 1, "STREAMS", stream, ">"),
        ),
      ]);
      if (read) delivered += 1;
    }
    const [pending] = (await commands.xpending(stream, "worker")) as [number];
    expect(delivered).toBe(trials);
    // every delivered entry is still pending under some consumer: none vanished with one
    expect(Number(pending)).toBe(delivered);
    commands.disconnect();
    reader.disconnect();
  });

  it("removes a consumer that holds nothing", async () => {
    const client = testbed.redis().client();
    await ensureGroup(client, stream, "worker", "$");
    await client.xreadgroup("GROUP", "worker", "idle", "COUNT", 1, "STREAMS", stream, ">");
    expect(await leaveGroupIfIdle(client, stream, "worker", "idle")).toBe(true);
    const consumers = (await client.xinfo("CONSUMERS", stream, "worker")) as unknown[];
    expect(consumers).toEqual([]);
    client.disconnect();
  });
});
