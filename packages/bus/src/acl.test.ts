import type { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { useBusTestbed } from "../test/fixtures.js";
import { aclRules } from "./acl.js";
import { NonRetryableError } from "./errors.js";
import { streamKey } from "./keys.js";

const PASSWORD = "test-password";

describe("Redis ACL users derived from the catalog", () => {
  const testbed = useBusTestbed();

  async function createUsers(): Promise<{ urlOf: (user: string) => string }> {
    const admin = testbed.redis().client();
    for (const service of ["tester", "worker", "auditor"]) {
      await admin.call(
        "ACL",
        "SETUSER",
        service,
        "reset",
        `>${PASSWORD}`,
        ...aclRules(catalogForAcl, service),
      );
    }
    admin.disconnect();
    const { host, port } = testbed.redis();
    return { urlOf: (user) => `redis://${user}:${PASSWORD}@${host}:${port}` };
  }

  it("lets each service run the whole bus flow as its own user", async () => {
    const { urlOf } = await createUsers();
    const worker = testbed.bus("worker", { redis: urlOf("worker") });
    const handled: number[] = [];
    worker.subscribe(
      "test.order-placed",
      async (event, context) => {
        if (event.payload.seq === 2) throw new NonRetryableError("poison");
        await context.atomically((batch) => {
          batch.call("HSET", "{worker}:orders", event.payload.orderId, "seen");
          batch.publish("test.order-handled", event.payload);
        });
        handled.push(event.payload.seq);
      },
      { claimIdleMs: 300, reclaimIntervalMs: 100 },
    );
    await worker.start();
    const tester = testbed.bus("tester", { redis: urlOf("tester") });
    await tester.publish("test.order-placed", { orderId: "o-1", seq: 1 });
    await tester.publish("test.order-placed", { orderId: "o-2", seq: 2 });

    await vi.waitFor(() => expect(handled).toEqual([1]));
    await vi.waitFor(async () =>
      expect(await worker.admin.listDeadLetters("test.order-placed")).toHaveLength(1),
    );
    await expect(worker.check()).resolves.toBeUndefined();
    expect((await worker.admin.groups("test.order-placed"))[0]).toMatchObject({
      pending: 0,
      deadLetters: 1,
    });
  });

  it("keeps a service out of other services' state and topics", async () => {
    const { urlOf } = await createUsers();
    const { Redis: RedisClient } = await import("ioredis");
    const worker: Redis = new RedisClient(urlOf("worker"), { maxRetriesPerRequest: 0 });
    try {
      const denied = async (command: Promise<unknown>) => expect(command).rejects.toThrow(/NOPERM/);
      // another service's state
      await denied(worker.set("{tester}:anything", "1"));
      await denied(worker.get("{tester}:anything"));
      // publishing a topic it does not own
      await denied(worker.xadd(streamKey("test.order-placed", 0), "*", "forged", "event"));
      // another group's marks, and the whole keyspace
      await denied(worker.zadd("processed:{tester}", 1, "event"));
      await denied(worker.flushall());
      await denied(worker.keys("*"));
      // its own state is fine
      await expect(worker.set("{worker}:mine", "1")).resolves.toBe("OK");
    } finally {
      worker.disconnect();
    }
    // a service reads only the topics it consumes: the auditor consumes test.order-placed only
    const auditor: Redis = new RedisClient(urlOf("auditor"), { maxRetriesPerRequest: 0 });
    try {
      const stream = streamKey("test.partitioned", 0);
      await expect(auditor.xrange(stream, "-", "+")).rejects.toThrow(/NOPERM/);
      await expect(auditor.xgroup("CREATE", stream, "auditor", "$", "MKSTREAM")).rejects.toThrow(
        /NOPERM/,
      );
      const own = streamKey("test.order-placed", 0);
      await expect(auditor.xgroup("CREATE", own, "auditor", "$", "MKSTREAM")).resolves.toBe("OK");
      await expect(auditor.xadd(own, "*", "forged", "event")).rejects.toThrow(/NOPERM/);
    } finally {
      auditor.disconnect();
    }
  });
});

/** Topic ownership as in the test catalog: tester publishes, worker consumes. */
const catalogForAcl = (await import("../test/fixtures-catalog.js")).catalog;
