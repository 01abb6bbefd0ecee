import { describe, expect, it } from "vitest";
import { type ChartData, renderChart } from "./chart.js";
import { chartDataOf } from "./document.js";
import { logTicks, niceCeil } from "./svg.js";
import { fakeResults } from "./test-fixtures.js";

/** Throws unless every element is closed in order (the SVG is well-formed XML). */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const body = svg.replace(/<(text|title)\b[^>]*>[^<]*<\/\1>/g, (match, name: string) => {
    if (/&(?!amp;|lt;|gt;|quot;)/.test(match)) throw new Error(`unescaped & in ${match}`);
    return `<${name}/>`;
  });
  for (const [, closing, name, , selfClosing] of body.matchAll(
    /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z:-]+="[^"<>]*")*)\s*(\/?)>/g,
  )) {
    if (selfClosing) continue;
    if (!closing) stack.push(name as string);
    else if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(", ")}`);
  const stray = body.replace(/<[^>]+>/g, "").trim();
  if (stray.length > 0) throw new Error(`text outside elements: ${stray.slice(0, 80)}`);
}

describe("renderChart", () => {
  const svg = renderChart(chartDataOf(fakeResults()));

  it("is one well-formed svg element", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    assertWellFormed(svg);
  });

  it("has a title and a labelled panel for each section", () => {
    for (const label of [
      "Retail middleware — system benchmark",
      "HTTP throughput (100 connections)",
      "requests/s (mean)",
      "Order → shipment.created latency",
      "ms (log scale)",
      "orders/s (open loop)",
      "Memory while placing orders",
      "orders placed",
      "inventory RSS",
      "Redis used_memory",
    ])
      expect(svg).toContain(`>${label}</text>`);
  });

  it("prints the measured values next to the bars", () => {
    expect(svg).toContain(">30,000</text>");
    expect(svg).toContain(">7,000</text>");
    expect(svg).toContain(">6,000</text>");
    expect(svg).toContain(">500/s</text>");
    expect(svg).toContain("target: p99 ≤ 20 ms at 500/s");
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it("escapes text and marks the sections that did not run", () => {
    const data: ChartData = { title: "A & B <C>", subtitle: 'quotes "here"' };
    const partial = renderChart(data);
    assertWellFormed(partial);
    expect(partial).toContain("A &amp; B &lt;C&gt;");
    expect(partial.match(/>\(not run\)</g)).toHaveLength(3);
  });
});

describe("axis helpers", () => {
  it("rounds an axis maximum up to 1, 2, 2.5 or 5 × 10ⁿ", () => {
    expect([0.7, 1, 1.2, 2.2, 3, 6, 31_000, 950].map(niceCeil)).toEqual([
      1, 1, 2, 2.5, 5, 10, 50_000, 1_000,
    ]);
    expect(niceCeil(0)).toBe(1);
  });

  it("covers the values with powers of ten on a log axis", () => {
    expect(logTicks(3, 120)).toEqual([1, 10, 100, 1_000]);
    expect(logTicks(0.5, 0.8)).toEqual([0.1, 1]);
  });
});
