import { streamKey } from "@retail/bus";
import { examplePayloads } from "@retail/contracts";
import { useRedisServer } from "@retail/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { linesOf, retail, startRetail, useBuses } from "../test/helpers.js";

describe("retail tail", () => {
  const redis = useRedisServer();
  const bus = useBuses(() => redis().url);
  beforeEach(async () => {
    await redis().flushAll();
  });

  const placed = (orderId: string) => ({ ...examplePayloads["order.placed"], orderId });
  const created = (orderId: string) => ({ ...examplePayloads["shipment.created"], orderId });

  /** Start tailing and wait until it reads: everything published after this is seen. */
  async function tail(args: readonly string[]) {
    const run = startRetail(["--redis", redis().url, "tail", ...args]);
    await vi.waitFor(() => expect(run.stderr()).toContain("tailing"));
    return run;
  }

  it("prints the events published after it started, one line each, and stops after --limit", async () => {
    const inventory = bus("inventory");
    await inventory.publish("order.placed", placed("ord-old"));
    const run = await tail(["order.placed", "shipment.created", "--limit", "2"]);

    await inventory.publish("stock.low", examplePayloads["stock.low"]); // not tailed
    await inventory.publish("order.placed", placed("ord-2"));
    await bus("shipping").publish("shipment.created", created("ord-2"));

    expect(await run.exit).toBe(0);
    const lines = linesOf(run.stdout());
    expect(lines).toEqual([
      expect.stringMatching(
        /^\d\d:\d\d:\d\d\.\d{3} {2}order\.placed\s+inventory → ord-2 {2}2× TSHIRT-BLK-M, 1× MUG-WHT · €48\.97 → GB · customer cus-77$/,
      ),
      expect.stringMatching(
        /^\d\d:\d\d:\d\d\.\d{3} {2}shipment\.created\s+shipping → ord-2 {2}dhl JD014600006281230704 → GB · shp-5001$/,
      ),
    ]);
    expect(run.stderr()).toContain("tailing 2 topics (5 streams)");
  });

  it("follows one order with --order and prints envelopes as JSON lines", async () => {
    const run = await tail(["--order", "ord-7", "--json", "--limit", "2"]);
    const inventory = bus("inventory");
    await inventory.publish("order.placed", placed("ord-6"));
    await inventory.publish("order.placed", placed("ord-7"));
    await bus("shipping").publish("shipment.created", created("ord-6"));
    await bus("shipping").publish("shipment.created", created("ord-7"));

    expect(await run.exit).toBe(0);
    const events = linesOf(run.stdout()).map((line) => JSON.parse(line));
    expect(events).toEqual([
      expect.objectContaining({
        topic: "order.placed",
        stream: expect.stringMatching(/^stream:\{order\.placed:[0-3]\}$/),
        entryId: expect.stringMatching(/^\d+-\d+$/),
        subject: { kind: "order", id: "ord-7" },
        envelope: expect.objectContaining({
          type: "order.placed",
          source: "inventory",
          payload: placed("ord-7"),
        }),
      }),
      expect.objectContaining({
        topic: "shipment.created",
        stream: "stream:{shipment.created:0}",
        envelope: expect.objectContaining({ source: "shipping", payload: created("ord-7") }),
      }),
    ]);
  });

  it("reads without a consumer group: subscribers still get every event and no group appears", async () => {
    const handled: string[] = [];
    const shipping = bus("shipping");
    shipping.subscribe("order.placed", (event) => {
      handled.push(event.payload.orderId);
    });
    await shipping.start();
    const run = await tail(["order.placed", "--limit", "3"]);
    const inventory = bus("inventory");
    for (const orderId of ["ord-a", "ord-b", "ord-c"])
      await inventory.publish("order.placed", placed(orderId));

    expect(await run.exit).toBe(0);
    expect(linesOf(run.stdout())).toHaveLength(3);
    await vi.waitFor(() => expect(handled.sort()).toEqual(["ord-a", "ord-b", "ord-c"]));
    const client = redis().client();
    for (let partition = 0; partition < 4; partition += 1) {
      const groups = (await client.xinfo(
        "GROUPS",
        streamKey("order.placed", partition),
      )) as unknown[][];
      expect(groups.map((group) => group[1])).toEqual(["shipping"]);
    }
    client.disconnect();
  });

  it("shows entries that are not envelopes instead of failing", async () => {
    const run = await tail(["order.placed", "--limit", "1"]);
    const client = redis().client();
    await client.xadd(streamKey("order.placed", 2), "*", "garbage", "yes");
    client.disconnect();
    expect(await run.exit).toBe(0);
    expect(run.stdout()).toMatch(
      /order\.placed\s+malformed entry \d+-\d+ on stream:\{order\.placed:2\}: malformed envelope/,
    );
  });

  it("stops on Ctrl-C and closes its connections", async () => {
    const client = redis().client();
    const inventory = bus("inventory");
    await inventory.publish("stock.low", examplePayloads["stock.low"]); // the publisher is connected
    const clients = async () =>
      String(await client.call("CLIENT", "LIST"))
        .trim()
        .split("\n").length;
    const before = await clients();

    const run = await tail([]);
    await inventory.publish("order.placed", placed("ord-9"));
    await vi.waitFor(() => expect(run.stdout()).toContain("ord-9"));
    expect(await clients()).toBe(before + 2); // commands + the blocked reader
    run.interrupt();
    expect(await run.exit).toBe(0);
    await vi.waitFor(async () => expect(await clients()).toBe(before));
    client.disconnect();
  });

  it("refuses unknown topics and a bad --limit", async () => {
    const unknown = await retail(["--redis", redis().url, "tail", "order.placed", "order.shipped"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'unknown topic "order.shipped"; the topics are: order.placed,',
    );
    const limit = await retail(["--redis", redis().url, "tail", "--limit", "0"]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain("--limit must be a positive integer");
  });

  it("exits with code 3 when Redis goes away while tailing", async () => {
    const run = await tail(["order.placed"]);
    await redis().stop("kill");
    expect(await run.exit).toBe(3);
    expect(run.stderr()).toContain(`cannot reach Redis at ${redis().url}`);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    await redis().start();
  });
});
