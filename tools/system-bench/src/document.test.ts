import { describe, expect, it } from "vitest";
import { renderBlock } from "./document.js";
import { targetRows } from "./report.js";
import { fakeResults } from "./test-fixtures.js";

describe("targetRows", () => {
  const rows = targetRows(fakeResults());
  const verdictOf = (start: string) => rows.find((row) => row[0]?.startsWith(start))?.[2];

  it("compares POST /orders with the bare and the naive route", () => {
    expect(verdictOf("POST /orders ≥ 0.4× bare")).toBe("MISSED");
    expect(verdictOf("POST /orders ≥ 1.5× naive")).toBe("MISSED");
    const results = fakeResults();
    if (results.http) results.http.orders.perSecond = 12_000;
    const better = targetRows(results);
    expect(better.find((row) => row[0]?.startsWith("POST /orders ≥ 0.4× bare"))?.[2]).toBe("met");
    expect(better.find((row) => row[0]?.startsWith("POST /orders ≥ 1.5× naive"))?.[2]).toBe("met");
  });

  it("judges the latency target at 500/s only", () => {
    expect(verdictOf("order → shipment.created p99 ≤ 20 ms at 500/s")).toBe("met");
    expect(rows.filter((row) => row[0]?.includes("shipment.created"))).toHaveLength(1);
  });

  it("calls RSS flat below 10 % growth from the 20 % sample and reports Redis bytes per order", () => {
    expect(verdictOf("inventory RSS flat")).toBe("met");
    const redis = rows.find((row) => row[0]?.startsWith("Redis memory"));
    expect(redis?.[2]).toBe("MISSED");
    // (500 − 100) MiB over 80 000 orders
    expect(redis?.[1]).toContain(
      `${Math.round((400 * 2 ** 20) / 80_000).toLocaleString("en-US")} bytes/order`,
    );
  });
});

describe("renderBlock", () => {
  const block = renderBlock(fakeResults(), "benchmarks/system.svg");

  it("has the machine, the chart, the date and a table per section", () => {
    expect(block).toContain("| CPU ");
    expect(block).toContain("Test CPU, 2 cores");
    expect(block).toContain("![System benchmark chart](benchmarks/system.svg)");
    expect(block).toContain("2030-01-02 03:04 UTC");
    for (const heading of ["### Targets", "### 1. HTTP", "### 2. Order", "### 4. Memory"])
      expect(block).toContain(heading);
    expect(block).toContain("| inventory POST /orders");
    expect(block).toContain("| {inventory}:order:*");
  });

  it("leaves out a section that did not run instead of printing an empty table", () => {
    expect(block).toContain("### 3. Bus rows");
    expect(block.split("### 3. Bus rows")[1]?.split("###")[0]?.trim()).toBe("");
  });
});
