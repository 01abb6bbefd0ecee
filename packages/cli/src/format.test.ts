import {
  catalog,
  domainOf,
  examplePayloads,
  type RetailDomain,
  type RetailTopicName,
  renderSummary,
  topicNames,
} from "@retail/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  colorsFor,
  DOMAIN_STYLES,
  duration,
  field,
  redactUrl,
  renderTable,
  stripColors,
  subjectOf,
  summarize,
  type TopicStyle,
  topicStyle,
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

describe("topicStyle", () => {
  const symbol = (topic: string) => topicStyle(topic).symbol;

  it("marks how an order ends, whatever the domain of the event that says so", () => {
    for (const topic of ["order.delivered", "shipment.delivered"]) expect(symbol(topic)).toBe("✓");
    for (const topic of ["order.rejected", "order.failed", "shipment.failed"])
      expect(symbol(topic)).toBe("✗");
    for (const topic of ["order.cancelled", "shipment.cancelled"]) expect(symbol(topic)).toBe("↺");
    for (const topic of ["shipment.dispatched", "reservation.committed"])
      expect(symbol(topic)).toBe("→");
  });

  it("colors outcomes: green delivered, red rejected or failed, yellow cancels, blue dispatched", () => {
    const c = colorsFor(true);
    const colorOf = (topic: string) => topicStyle(topic).color(c);
    expect(colorOf("shipment.delivered")).toBe(c.green);
    expect(colorOf("order.rejected")).toBe(c.red);
    expect(colorOf("shipment.failed")).toBe(c.red);
    for (const topic of ["order.cancelled", "order.cancel-requested", "order.cancel-refused"])
      expect(colorOf(topic)).toBe(c.yellow);
    expect(colorOf("reservation.committed")).toBe(c.blue);
  });

  it("marks a cancel request and its refusal", () => {
    expect(symbol("order.cancel-requested")).toBe("?");
    expect(symbol("order.cancel-refused")).toBe("⊘");
  });

  it("styles any other topic by its domain, and topics of other catalogs alike", () => {
    expect(topicStyle("stock.low")).toBe(DOMAIN_STYLES.stock);
    expect(topicStyle("stock.restocked")).toBe(DOMAIN_STYLES.stock);
    expect(topicStyle("client.telemetry")).toBe(DOMAIN_STYLES.client);
    expect(topicStyle("alert.raised")).toBe(DOMAIN_STYLES.alert);
    expect(symbol("test.thing")).toBe("•");
  });

  it("has a style for every domain of the catalog, checked at compile time", () => {
    const domains = new Set(topicNames.map((topic) => domainOf(topic)));
    expect(Object.keys(DOMAIN_STYLES).sort()).toEqual([...domains].sort());
    const { alert: _missing, ...partial } = DOMAIN_STYLES;
    // @ts-expect-error the alert domain has no style: a domain without one does not compile
    const checked: Record<RetailDomain, TopicStyle> = partial;
    expect(Object.keys(checked)).toHaveLength(domains.size - 1);
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
  it("render each topic's summary template from the catalog, never leaking undefined", () => {
    for (const topic of topicNames) {
      const payload = examplePayloads[topic];
      const text = summarize(topic, payload);
      expect(text, topic).toBe(renderSummary(catalog[topic].view.summary, payload));
      expect(text, topic).not.toBe("");
      expect(text, topic).not.toMatch(/undefined|null|NaN|[{}]/);
    }
  });

  it("keep the key fields each topic's line showed before they came from the catalog", () => {
    const lastSeen = new Date(examplePayloads["client.offline"].lastSeenAt);
    const clock = [lastSeen.getHours(), lastSeen.getMinutes(), lastSeen.getSeconds()]
      .map((part) => String(part).padStart(2, "0"))
      .join(":");
    // A topic added later is held by the test above.
    const expected: [RetailTopicName, string][] = [
      ["order.placed", "2× TSHIRT-BLK-M, 1× MUG-WHT · €48.97 → GB · customer cus-77"],
      ["order.rejected", "out of stock: 5× MUG-WHT (2 left)"],
      ["order.cancel-requested", "cancel asked: Customer ordered the wrong size."],
      ["order.cancelled", "Customer ordered the wrong size."],
      ["order.cancel-refused", "already dispatched"],
      ["order.failed", "unsupported country"],
      ["order.delivered", "closed: delivered by shp-5001"],
      ["stock.restocked", "MUG-WHT: +48 → 50"],
      ["stock.low", "TSHIRT-BLK-M: 3 left (threshold 5)"],
      ["reservation.committed", "2× TSHIRT-BLK-M, 1× MUG-WHT shipped"],
      ["reservation.released", "1× TSHIRT-BLK-M back in stock · order cancelled"],
      ["shipment.created", "dhl JD014600006281230704 → GB · shp-5001"],
      ["shipment.dispatched", "dhl JD014600006281230704 · shp-5001"],
      ["shipment.delivered", "dhl JD014600006281230704 · shp-5001"],
      ["shipment.cancelled", "order cancelled · shp-5003"],
      ["shipment.cancel-refused", "already dispatched (dispatched) · shp-5006"],
      ["shipment.failed", "unsupported country · shp-5004"],
      ["client.online", "till-berlin-03 · till 4.2.0"],
      ["client.offline", `till-berlin-03 · till 4.2.0 · last seen ${clock}`],
      [
        "client.telemetry",
        "web-7f3a9c · web-shop · 4 telemetry events (pageview, metric, log, error)",
      ],
      [
        "alert.raised",
        "warning client offline: Till till-berlin-03 has sent no heartbeat for 30 s.",
      ],
    ];
    for (const [topic, line] of expected) {
      expect(summarize(topic, examplePayloads[topic]), topic).toBe(line);
    }
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
