import { describe, expect, it } from "vitest";
import {
  renderSummary,
  SUMMARY_FORMATS,
  type SummaryFormat,
  summaryPlaceholders,
  valueAt,
} from "./topic-view.js";

const payload = {
  orderId: "ord-1042",
  reason: "unsupported_country",
  totalCents: 489_712,
  lines: [
    { sku: "TSHIRT-BLK-M", quantity: 2 },
    { sku: "MUG-WHT", quantity: 1 },
  ],
  short: [{ sku: "MUG-WHT", requested: 5, available: 2 }],
  events: [{ type: "metric" }, { type: "log" }, { type: "metric" }],
  // Built from a local time, so the expected text holds in every time zone.
  lastSeenAt: new Date(2025, 2, 14, 13, 0, 30, 250).toISOString(),
  shippingAddress: { country: "GB" },
};

const cases: [SummaryFormat, string, string][] = [
  ["text", "{orderId} → {shippingAddress.country}", "ord-1042 → GB"],
  ["words", "{reason:words}", "unsupported country"],
  ["money", "{totalCents:money}", "€4,897.12"],
  ["lines", "{lines:lines}", "2× TSHIRT-BLK-M, 1× MUG-WHT"],
  ["shortages", "{short:shortages}", "5× MUG-WHT (2 left)"],
  ["count", "{events:count} events", "3 events"],
  ["types", "({events:types})", "(metric, log)"],
  ["time", "last seen {lastSeenAt:time}", "last seen 13:00:30"],
];

describe("renderSummary", () => {
  it.each(cases)("renders the %s format: %s", (_format, template, expected) => {
    expect(renderSummary(template, payload)).toBe(expected);
  });

  it("has a case above for every format", () => {
    expect(new Set(cases.map(([format]) => format))).toEqual(new Set(SUMMARY_FORMATS));
  });

  it("renders a value the payload lacks as nothing, and an unknown format as text", () => {
    expect(renderSummary("[{missing}] [{shippingAddress.zip:money}]", payload)).toBe("[] []");
    expect(renderSummary("{orderId:shouting}", payload)).toBe("ord-1042");
  });

  it("never throws, whatever the payload holds", () => {
    const template = SUMMARY_FORMATS.map((format) => `{value:${format}}`).join("|");
    for (const value of [null, "text", 42, [null, 1, "x"], { type: 1 }, [], "not a date"]) {
      expect(() => renderSummary(template, { value }), JSON.stringify(value)).not.toThrow();
    }
    expect(renderSummary("{a.b}", null)).toBe("");
  });
});

describe("summaryPlaceholders", () => {
  it("lists each placeholder's path and format, text when none is given", () => {
    expect(summaryPlaceholders("{lines:lines} → {shippingAddress.country}")).toEqual([
      { path: "lines", format: "lines" },
      { path: "shippingAddress.country", format: "text" },
    ]);
  });
});

describe("valueAt", () => {
  it("follows a dotted path into objects, and gives undefined past a missing field", () => {
    expect(valueAt(payload, "shippingAddress.country")).toBe("GB");
    expect(valueAt(payload, "shippingAddress.country.code")).toBeUndefined();
    expect(valueAt(payload, "nope.deeper")).toBeUndefined();
  });
});
