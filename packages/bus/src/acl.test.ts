import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { apply } from "../test/apply.js";
import { useBusTestbed } from "../test/fixtures.js";
import { aclFile, aclRules } from "./acl.js";
import { NonRetryableError } from "./errors.js";
import { deadLetterKey, streamKey } from "./keys.js";

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
        await apply(
          worker,
          {
            calls: [["HSET", "{worker}:orders", event.payload.orderId, "seen"]],
            events: [["test.order-handled", event.payload]],
          },
          context,
        );
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

  it("lets a service consume with per-key order (partition leases) as its own user", async () => {
    const { urlOf } = await createUsers();
    const worker = testbed.bus("worker", { redis: urlOf("worker") });
    const handled: number[] = [];
    worker.subscribe(
      "test.order-placed",
      async (event, context) => {
        await apply(worker, { events: [["test.order-handled", event.payload]] }, context);
        handled.push(event.payload.seq);
      },
      { ordering: "per-key" },
    );
    await worker.start();
    const tester = testbed.bus("tester", { redis: urlOf("tester") });
    for (const seq of [1, 2, 3]) await tester.publish("test.order-placed", { orderId: "o-1", seq });
    await vi.waitFor(() => expect(handled).toEqual([1, 2, 3]), { timeout: 15_000 });
    await testbed.relayed("worker");
  });

  it("lets a service use its Pub/Sub channels, plain and sharded (as on a cluster), and no others", async () => {
    const admin = testbed.redis().client();
    await admin.call(
      "ACL",
      "SETUSER",
      "notifier",
      "reset",
      `>${PASSWORD}`,
      ...aclRules(catalogForAcl, "notifier", { channels: ["direct:notifier:*"] }),
    );
    admin.disconnect();
    const { host, port } = testbed.redis();
    const notifier = new Redis(`redis://notifier:${PASSWORD}@${host}:${port}`, {
      maxRetriesPerRequest: 0,
    });
    try {
      expect(await notifier.publish("direct:notifier:c-1", "hi")).toBe(0);
      expect(await notifier.call("SPUBLISH", "direct:notifier:c-1", "hi")).toBe(0);
      await notifier.call("SSUBSCRIBE", "direct:notifier:c-2");
      await notifier.call("SUNSUBSCRIBE", "direct:notifier:c-2");
      await expect(notifier.call("SPUBLISH", "direct:other:c-1", "hi")).rejects.toThrow(/NOPERM/);
      await expect(notifier.publish("broadcast:events", "hi")).rejects.toThrow(/NOPERM/);
    } finally {
      notifier.disconnect();
    }
  });

  it("keeps a service out of other services' state and topics", async () => {
    const { urlOf } = await createUsers();
    const worker: Redis = new Redis(urlOf("worker"), { maxRetriesPerRequest: 0 });
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
    const auditor: Redis = new Redis(urlOf("auditor"), { maxRetriesPerRequest: 0 });
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

  it("denies a service every keyspace listing and script-cache command, and all but appending on the topics it publishes", async () => {
    const { urlOf } = await createUsers();
    const admin = testbed.redis().client();
    const published = streamKey("test.order-placed", 0);
    await admin.xgroup("CREATE", published, "worker", "$", "MKSTREAM");
    admin.disconnect();
    const tester: Redis = new Redis(urlOf("tester"), { maxRetriesPerRequest: 0 });
    try {
      const denied = async (command: Promise<unknown>) => expect(command).rejects.toThrow(/NOPERM/);
      await denied(tester.keys("*"));
      await denied(tester.scan("0"));
      await denied(tester.randomkey());
      await denied(tester.dbsize());
      await denied(tester.script("FLUSH"));
      await denied(tester.script("KILL"));
      await denied(tester.call("FUNCTION", "FLUSH"));
      await denied(
        tester.call(
          "FUNCTION",
          "LOAD",
          "#!lua name=evil\nredis.register_function('f', function() return 1 end)",
        ),
      );
      // tester publishes test.order-placed: it appends (trimming as it goes) and reads
      // the stream's stats, and cannot cut entries or groups away from the consumers
      await expect(tester.xadd(published, "MAXLEN", "~", "1000", "*", "id", "1")).resolves.toEqual(
        expect.any(String),
      );
      await expect(tester.xlen(published)).resolves.toBe(1);
      await denied(tester.xtrim(published, "MAXLEN", 0));
      await denied(tester.xdel(published, "0-1"));
      await denied(tester.del(published));
      await denied(tester.xgroup("DESTROY", published, "worker"));
      await denied(tester.xgroup("SETID", published, "worker", "$"));
    } finally {
      tester.disconnect();
    }
  });

  /** The operator's line of the generated ACL file, loaded as start.sh loads it. */
  async function createOperator(): Promise<string> {
    const line = aclFile(catalogForAcl, [], "ADMIN_PASSWORD", "OPERATOR_PASSWORD")
      .split("\n")
      .find((candidate) => candidate.startsWith("user operator ")) as string;
    const rules = line
      .replace(/\$\{OPERATOR_PASSWORD\}/, PASSWORD)
      .split(" ")
      .slice(2);
    const admin = testbed.redis().client();
    await admin.call("ACL", "SETUSER", "operator", "reset", ...rules);
    admin.disconnect();
    const { host, port } = testbed.redis();
    return `redis://operator:${PASSWORD}@${host}:${port}`;
  }

  it("lets the operator read every stream, group and dead letter, and replay and purge dead letters", async () => {
    const operatorUrl = await createOperator();
    let broken = true;
    const handled: number[] = [];
    const worker = testbed.bus("worker");
    worker.subscribe("test.order-placed", (event) => {
      if (broken) throw new NonRetryableError("refused");
      handled.push(event.payload.seq);
    });
    await worker.start();
    const tester = testbed.bus("tester");
    for (const seq of [1, 2, 3]) await tester.publish("test.order-placed", { orderId: "o", seq });
    await vi.waitFor(async () =>
      expect(await tester.admin.listDeadLetters("test.order-placed")).toHaveLength(3),
    );

    // as the CLI connects: its own client, handed to a bus named "cli"
    const client = new Redis(operatorUrl, { maxRetriesPerRequest: 0 });
    const cli = testbed.bus("cli", { redis: client });
    try {
      const stream = streamKey("test.order-placed", 0);
      expect(
        (await cli.admin.topics()).find((topic) => topic.topic === "test.order-placed"),
      ).toMatchObject({ length: 3 });
      expect(await cli.admin.allGroups()).toEqual([
        expect.objectContaining({ topic: "test.order-placed", group: "worker", deadLetters: 3 }),
      ]);
      const letters = await cli.admin.listDeadLetters("test.order-placed");
      expect(letters).toHaveLength(3);
      expect(await cli.admin.getDeadLetter(letters[0]?.id ?? "")).toEqual(letters[0]);
      expect(await client.xrevrange(stream, "+", "-", "COUNT", 1)).toHaveLength(1);
      expect(await client.xread("COUNT", 1, "STREAMS", stream, "0")).toHaveLength(1);
      expect(await client.xpending(stream, "worker")).toEqual([0, null, null, null]);
      await expect(client.time()).resolves.toHaveLength(2);
      await expect(client.info("server")).resolves.toContain("redis_version");

      broken = false;
      const [first, second] = letters;
      expect(
        await cli.admin.replayDeadLetters("test.order-placed", { ids: [first?.id ?? ""] }),
      ).toBe(1);
      await vi.waitFor(() => expect(handled).toEqual([1]));
      expect(
        await cli.admin.purgeDeadLetters("test.order-placed", { ids: [second?.id ?? ""] }),
      ).toBe(1);
      expect(await cli.admin.purgeDeadLetters("test.order-placed")).toBe(1);
      expect(await cli.admin.listDeadLetters("test.order-placed")).toEqual([]);
    } finally {
      await cli.close();
      client.disconnect();
    }
  });

  it("denies the operator admin commands, other keys and writes beyond replay and purge", async () => {
    const operator = new Redis(await createOperator(), { maxRetriesPerRequest: 0 });
    try {
      const denied = async (command: Promise<unknown>) => expect(command).rejects.toThrow(/NOPERM/);
      await denied(operator.flushall());
      await denied(operator.flushdb());
      await denied(operator.call("CONFIG", "SET", "maxmemory", "1"));
      await denied(operator.call("CONFIG", "GET", "requirepass"));
      await denied(operator.keys("*"));
      // a service's state, by its hash tag
      await denied(operator.set("{inventory}:product:MUG", "1"));
      await denied(operator.get("{worker}:anything"));
      await denied(operator.zadd("processed:{worker}", 1, "event"));
      // topic streams: append only, no trimming, deleting or group changes
      const stream = streamKey("test.order-placed", 0);
      await denied(operator.del(stream));
      await denied(operator.xtrim(stream, "MAXLEN", 0));
      await denied(operator.xgroup("CREATE", stream, "intruder", "$", "MKSTREAM"));
      await denied(operator.xreadgroup("GROUP", "worker", "c", "STREAMS", stream, ">"));
      // dead-letter streams: delete only, never forge one
      await denied(operator.xadd(deadLetterKey("test.order-placed", 0, "worker"), "*", "x", "1"));
      await denied(operator.publish("broadcast:events", "hello"));
    } finally {
      operator.disconnect();
    }
  });
});

/** Topic ownership as in the test catalog: tester publishes, worker consumes. */
const catalogForAcl = (await import("../test/fixtures-catalog.js")).catalog;
