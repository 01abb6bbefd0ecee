import { examplePayloads } from "@retail/contracts";
import { useRedisServer } from "@retail/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { linesOf, startRetail, useBuses } from "../test/helpers.js";
import { colorsFor, stripColors } from "./format.js";
import type { StreamEvent } from "./tail.js";
import { OrderWatch } from "./watch.js";

function event(topic: string, source: string, payload: unknown, at: number): StreamEvent {
  return {
    stream: `stream:{${topic}:0}`,
    topic,
    partition: 0,
    entryId: `${at}-0`,
    at,
    envelope: {
      id: `evt-${at}`,
      type: topic,
      version: 1,
      occurredAt: new Date(at).toISOString(),
      source,
      correlationId: "c",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      partitionKey: "k",
      payload,
    },
  };
}

describe("OrderWatch", () => {
  const placed = (orderId: string) => ({ ...examplePayloads["order.placed"], orderId });
  const created = (orderId: string) => ({ ...examplePayloads["shipment.created"], orderId });
  const dispatched = (orderId: string) => ({ ...examplePayloads["shipment.dispatched"], orderId });

  it("indents each order's events under a header, with the time since its previous event", () => {
    const context = { io: undefined as never, colors: colorsFor(false), redisUrl: () => "" };
    const watch = new OrderWatch(context);
    const t = new Date(2025, 2, 14, 9, 26, 53, 589).getTime();
    const text = [
      event("order.placed", "inventory", placed("ord-A"), t),
      event("order.placed", "inventory", placed("ord-B"), t + 100),
      event("shipment.created", "shipping", created("ord-A"), t + 442),
      event("shipment.dispatched", "shipping", dispatched("ord-A"), t + 2_442),
      event("stock.low", "inventory", examplePayloads["stock.low"], t + 2_500),
    ]
      .map((one) => watch.render(watch.track(one)))
      .join("");
    expect(text).toBe(
      [
        "",
        "order ord-A",
        "  09:26:53.589           ● order.placed                     inventory → 2× TSHIRT-BLK-M, 1× MUG-WHT · €48.97 → GB · customer cus-77",
        "",
        "order ord-B",
        "  09:26:53.689           ● order.placed                     inventory → 2× TSHIRT-BLK-M, 1× MUG-WHT · €48.97 → GB · customer cus-77",
        "",
        "order ord-A  (continued)",
        "  09:26:54.031   +442ms  • shipment.created                  shipping → dhl JD014600006281230704 → GB · shp-5001",
        "  09:26:56.031   +2.00s  → shipment.dispatched               shipping → dhl JD014600006281230704 · shp-5001",
        "",
        "sku TSHIRT-BLK-M",
        "  09:26:56.089           ◆ stock.low                        inventory → TSHIRT-BLK-M: 3 left (threshold 5)",
        "",
      ].join("\n"),
    );
  });

  it("colors lines when asked, and the text stays the same", () => {
    const plain = new OrderWatch({
      io: undefined as never,
      colors: colorsFor(false),
      redisUrl: () => "",
    });
    const colored = new OrderWatch({
      io: undefined as never,
      colors: colorsFor(true),
      redisUrl: () => "",
    });
    const one = event("order.failed", "inventory", examplePayloads["order.failed"], Date.now());
    const coloredText = colored.render(colored.track(one));
    expect(coloredText).not.toBe(stripColors(coloredText));
    expect(stripColors(coloredText)).toBe(plain.render(plain.track(one)));
  });
});

describe("retail watch", () => {
  const redis = useRedisServer();
  const bus = useBuses(() => redis().url);
  beforeEach(async () => {
    await redis().flushAll();
  });

  async function watch(args: readonly string[]) {
    const run = startRetail(["--redis", redis().url, "watch", ...args]);
    await vi.waitFor(() => expect(run.stderr()).toContain("retail watch"));
    return run;
  }

  it("groups live events of every topic by order", async () => {
    const run = await watch(["--limit", "5"]);
    const inventory = bus("inventory");
    const shipping = bus("shipping");
    await inventory.publish("order.placed", {
      ...examplePayloads["order.placed"],
      orderId: "ord-A",
    });
    await inventory.publish("order.placed", {
      ...examplePayloads["order.placed"],
      orderId: "ord-B",
    });
    await shipping.publish("shipment.created", {
      ...examplePayloads["shipment.created"],
      orderId: "ord-A",
    });
    await shipping.publish("shipment.dispatched", {
      ...examplePayloads["shipment.dispatched"],
      orderId: "ord-A",
    });
    await shipping.publish("shipment.created", {
      ...examplePayloads["shipment.created"],
      orderId: "ord-B",
    });

    expect(await run.exit).toBe(0);
    const lines = linesOf(run.stdout());
    const time = String.raw`\d\d:\d\d:\d\d\.\d{3}`;
    const latency = String.raw`\+\d+(ms|\.\d+s)`;
    expect(lines).toEqual([
      "order ord-A",
      expect.stringMatching(
        new RegExp(`^  ${time} {11}● order\\.placed\\s+inventory → 2× TSHIRT-BLK-M`),
      ),
      "order ord-B",
      expect.stringMatching(new RegExp(`^  ${time} {11}● order\\.placed\\s+inventory → `)),
      "order ord-A  (continued)",
      expect.stringMatching(
        new RegExp(
          `^  ${time}\\s+${latency}  • shipment\\.created\\s+shipping → dhl JD014600006281230704 → GB · shp-5001`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^  ${time}\\s+${latency}  → shipment\\.dispatched\\s+shipping → `),
      ),
      "order ord-B  (continued)",
      expect.stringMatching(
        new RegExp(`^  ${time}\\s+${latency}  • shipment\\.created\\s+shipping → `),
      ),
    ]);
  });

  it("prints JSON lines with the group and the latency since the order's previous event", async () => {
    const run = await watch(["--json", "--limit", "2", "--order", "ord-J"]);
    await bus("inventory").publish("order.placed", {
      ...examplePayloads["order.placed"],
      orderId: "ord-J",
    });
    await bus("inventory").publish("order.placed", {
      ...examplePayloads["order.placed"],
      orderId: "ord-K",
    });
    await bus("shipping").publish("shipment.created", {
      ...examplePayloads["shipment.created"],
      orderId: "ord-J",
    });

    expect(await run.exit).toBe(0);
    const [first, second] = linesOf(run.stdout()).map((line) => JSON.parse(line));
    expect(first).toMatchObject({ topic: "order.placed", group: "order ord-J", latencyMs: null });
    expect(second).toMatchObject({
      topic: "shipment.created",
      group: "order ord-J",
      latencyMs: expect.any(Number),
    });
    expect(second.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
