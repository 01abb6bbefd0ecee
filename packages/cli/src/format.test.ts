import { catalog, examplePayloads, topicNames } from "@retail/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  colorsFor,
  duration,
  field,
  redactUrl,
  renderTable,
  stripColors,
  subjectOf,
  summarize,
  visibleLength,
} from "./format.js";

describe("renderTable", () => {
  it("aligns columns two spaces apart, right-aligned where asked, without trailing spaces", () => {
    const table = renderTable(
      ["TOPIC", "LENGTH", "NOTE"],
      [
        ["order.placed", "120", "busy"],
        ["stock.low", "3", ""],
      ],
      { align: ["left", "right", "left"] },
    );
    expect(table).toBe(
      ["TOPIC         LENGTH  NOTE", "order.placed     120  busy", "stock.low          3", ""].join(
        "\n",
      ),
    );
  });

  it("measures colored cells by what shows", () => {
    const c = colorsFor(true);
    const table = renderTable(["A", "B"], [[c.red("xx"), "1"]], { colors: c });
    expect(stripColors(table)).toBe("A   B\nxx  1\n");
    expect(visibleLength(c.bold(c.green("abc")))).toBe(3);
  });

  it("keeps every row's columns at the same visible offset", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.nat(99_999)), {
          minLength: 1,
          maxLength: 8,
        }),
        (rows) => {
          const cells = rows.map(([name, count]) => [
            name.replace(/\s/g, "_") || "x",
            String(count),
          ]);
          const lines = renderTable(["NAME", "COUNT"], cells, { align: ["left", "right"] })
            .trimEnd()
            .split("\n");
          const widths = new Set(lines.map((line) => line.length));
          expect(widths.size).toBe(1);
        },
      ),
    );
  });
});

describe("duration", () => {
  it("picks a unit that reads at a glance", () => {
    expect(duration(0)).toBe("0ms");
    expect(duration(452.4)).toBe("452ms");
    expect(duration(2_104)).toBe("2.10s");
    expect(duration(12_340)).toBe("12.3s");
    expect(duration(185_000)).toBe("3m05s");
    expect(duration(2 * 3_600_000 + 4 * 60_000)).toBe("2h04m");
    expect(duration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3d04h");
    expect(duration(-5)).toBe("0ms");
  });
});

describe("redactUrl", () => {
  it("hides passwords and keeps everything else", () => {
    expect(redactUrl("redis://default:s3cret@localhost:6379")).toBe(
      "redis://default:***@localhost:6379",
    );
    expect(redactUrl("redis://:s3cret@redis:6379/0")).toBe("redis://:***@redis:6379/0");
    expect(redactUrl("redis://localhost:6379")).toBe("redis://localhost:6379");
    expect(redactUrl("not a url://u:p@x")).toBe("not a url://u:***@x");
  });
});

describe("event summaries", () => {
  it("show each topic's key fields and never leak undefined", () => {
    for (const topic of topicNames) {
      const text = summarize(topic, examplePayloads[topic]);
      expect(text, topic).not.toBe("");
      expect(text, topic).not.toContain("undefined");
    }
    expect(summarize("order.placed", examplePayloads["order.placed"])).toBe(
      "customer=cus-77 lines=TSHIRT-BLK-M×2,MUG-WHT×1 total=48.97 to=GB",
    );
    expect(summarize("order.cancelled", examplePayloads["order.cancelled"])).toBe(
      'reason="Customer ordered the wrong size."',
    );
    expect(summarize("shipment.cancel-refused", examplePayloads["shipment.cancel-refused"])).toBe(
      "shipment=shp-5006 reason=already_dispatched status=dispatched",
    );
  });

  it("fall back to scalar fields for a topic the CLI does not know", () => {
    expect(
      summarize("test.thing", { orderId: "o-1", seq: 3, ok: true, at: "x", doneAt: "y" }),
    ).toBe("seq=3 ok=true at=x");
  });

  it("name the order, else the topic's partition key", () => {
    expect(subjectOf("shipment.created", examplePayloads["shipment.created"], "k")).toEqual({
      kind: "order",
      id: "ord-1042",
    });
    expect(subjectOf("stock.low", examplePayloads["stock.low"], "k")).toEqual({
      kind: "sku",
      id: "TSHIRT-BLK-M",
    });
    expect(subjectOf("client.online", examplePayloads["client.online"], "k")).toEqual({
      kind: "client",
      id: "till-berlin-03",
    });
    expect(subjectOf("test.thing", {}, "the-key")).toEqual({ kind: "key", id: "the-key" });
    expect(
      Object.keys(catalog).every(
        (topic) =>
          subjectOf(topic, examplePayloads[topic as keyof typeof examplePayloads], "k").kind !==
          "key",
      ),
    ).toBe(true);
  });

  it("quote values with spaces", () => {
    expect(field("reason", "out of stock")).toBe('reason="out of stock"');
    expect(field("reason", "")).toBe('reason=""');
    expect(field("n", 3)).toBe("n=3");
  });
});
