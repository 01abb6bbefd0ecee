/**
 * The chart of docs/benchmarks/system.svg, as a hand-written SVG string (no dependency):
 * HTTP req/s bars, order → shipment latency bars per rate (log scale), and memory over
 * the orders placed (lines).
 */
import {
  circle,
  escapeXml,
  line,
  linearTicks,
  logTicks,
  niceCeil,
  polyline,
  rect,
  shortNumber,
  text,
} from "./svg.js";

export interface ChartData {
  title: string;
  subtitle: string;
  http?: { label: string; value: number }[];
  latency?: { rate: number; p50: number; p99: number }[];
  latencyTarget?: { ms: number; rate: number };
  memory?: { name: string; dashed?: boolean; points: { x: number; y: number }[] }[];
}

const WIDTH = 1260;
const HEIGHT = 460;
const PANEL = { top: 110, height: 260, width: 320 };
const PANEL_LEFT = [80, 490, 900];
const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"];

interface Frame {
  left: number;
  title: string;
  yLabel: string;
  xLabel: string;
}

/** Panel title, axes and labels; returns the plot's parts. */
function frame(panel: Frame): string[] {
  const { left } = panel;
  const bottom = PANEL.top + PANEL.height;
  return [
    text(left + PANEL.width / 2, PANEL.top - 28, panel.title, {
      size: 14,
      anchor: "middle",
      weight: "bold",
    }),
    line(left, PANEL.top, left, bottom),
    line(left, bottom, left + PANEL.width, bottom),
    text(left - 52, PANEL.top + PANEL.height / 2, panel.yLabel, { anchor: "middle", rotate: true }),
    text(left + PANEL.width / 2, bottom + 42, panel.xLabel, { anchor: "middle" }),
  ];
}

function yTick(left: number, y: number, label: string): string[] {
  return [
    line(left - 4, y, left, y),
    line(left, y, left + PANEL.width, y, { stroke: "#ddd" }),
    text(left - 7, y + 4, label, { size: 11, anchor: "end" }),
  ];
}

function notRun(left: number): string {
  return text(left + PANEL.width / 2, PANEL.top + PANEL.height / 2, "(not run)", {
    anchor: "middle",
    fill: "#888",
  });
}

function httpPanel(data: ChartData): string[] {
  const left = PANEL_LEFT[0] as number;
  const parts = frame({
    left,
    title: "HTTP throughput (100 connections)",
    yLabel: "requests/s (mean)",
    xLabel: "route",
  });
  const bars = data.http ?? [];
  if (bars.length === 0) return [...parts, notRun(left)];
  const max = niceCeil(Math.max(...bars.map((bar) => bar.value)));
  const bottom = PANEL.top + PANEL.height;
  const y = (value: number) => bottom - (value / max) * PANEL.height;
  for (const tick of linearTicks(max)) parts.push(...yTick(left, y(tick), shortNumber(tick)));
  const slot = PANEL.width / bars.length;
  bars.forEach((bar, index) => {
    const x = left + slot * index + slot * 0.2;
    const width = slot * 0.6;
    parts.push(rect(x, y(bar.value), width, bottom - y(bar.value), COLORS[index] ?? "#888"));
    parts.push(
      text(x + width / 2, y(bar.value) - 5, Math.round(bar.value).toLocaleString("en-US"), {
        size: 11,
        anchor: "middle",
      }),
    );
    parts.push(text(x + width / 2, bottom + 16, bar.label, { size: 11, anchor: "middle" }));
  });
  return parts;
}

function latencyPanel(data: ChartData): string[] {
  const left = PANEL_LEFT[1] as number;
  const parts = frame({
    left,
    title: "Order → shipment.created latency",
    yLabel: "ms (log scale)",
    xLabel: "orders/s (open loop)",
  });
  const groups = data.latency ?? [];
  if (groups.length === 0) return [...parts, notRun(left)];
  const values = groups.flatMap((group) => [group.p50, group.p99]).filter((value) => value > 0);
  const target = data.latencyTarget;
  const ticks = logTicks(Math.min(...values), Math.max(...values, target?.ms ?? 0));
  const low = Math.log10(ticks[0] as number);
  const high = Math.log10(ticks.at(-1) as number);
  const bottom = PANEL.top + PANEL.height;
  const y = (value: number) =>
    bottom - ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * PANEL.height;
  for (const tick of ticks) parts.push(...yTick(left, y(tick), shortNumber(tick)));
  const slot = PANEL.width / groups.length;
  groups.forEach((group, index) => {
    const width = slot * 0.3;
    const x = left + slot * index + slot * 0.15;
    for (const [offset, value, color] of [
      [0, group.p50, COLORS[0]],
      [width + 4, group.p99, COLORS[3]],
    ] as const) {
      parts.push(rect(x + offset, y(value), width, bottom - y(value), color as string));
      parts.push(
        text(x + offset + width / 2, y(value) - 5, value.toFixed(1), {
          size: 10,
          anchor: "middle",
        }),
      );
    }
    parts.push(
      text(left + slot * index + slot / 2, bottom + 16, `${group.rate}/s`, {
        size: 11,
        anchor: "middle",
      }),
    );
  });
  // The target is named in the legend, not beside its line, where bar labels would cover it.
  if (target) {
    parts.push(
      line(left, y(target.ms), left + PANEL.width, y(target.ms), { stroke: "#c00", dash: "6 4" }),
    );
  }
  parts.push(
    ...legend(left + 8, PANEL.top + 14, [
      ["p50", COLORS[0] as string, false],
      ["p99", COLORS[3] as string, false],
      ...(target
        ? [
            [`target: p99 ≤ ${target.ms} ms at ${target.rate}/s`, "#c00", true] as [
              string,
              string,
              boolean,
            ],
          ]
        : []),
    ]),
  );
  return parts;
}

function memoryPanel(data: ChartData): string[] {
  const left = PANEL_LEFT[2] as number;
  const parts = frame({
    left,
    title: "Memory while placing orders",
    yLabel: "MB",
    xLabel: "orders placed",
  });
  const series = (data.memory ?? []).filter((one) => one.points.length > 0);
  if (series.length === 0) return [...parts, notRun(left)];
  const points = series.flatMap((one) => one.points);
  const maxX = niceCeil(Math.max(...points.map((point) => point.x)));
  const maxY = niceCeil(Math.max(...points.map((point) => point.y)));
  const bottom = PANEL.top + PANEL.height;
  const x = (value: number) => left + (value / maxX) * PANEL.width;
  const y = (value: number) => bottom - (value / maxY) * PANEL.height;
  for (const tick of linearTicks(maxY)) parts.push(...yTick(left, y(tick), shortNumber(tick)));
  for (const tick of linearTicks(maxX)) {
    parts.push(line(x(tick), bottom, x(tick), bottom + 4));
    parts.push(text(x(tick), bottom + 16, shortNumber(tick), { size: 11, anchor: "middle" }));
  }
  series.forEach((one, index) => {
    const color = COLORS[index] ?? "#888";
    parts.push(
      polyline(
        one.points.map((point) => [x(point.x), y(point.y)]),
        color,
        one.dashed ? "6 4" : undefined,
      ),
    );
    for (const point of one.points) parts.push(circle(x(point.x), y(point.y), 3, color));
  });
  parts.push(
    ...legend(
      left + 8,
      PANEL.top + 14,
      series.map((one, index) => [one.name, COLORS[index] ?? "#888", one.dashed === true]),
    ),
  );
  return parts;
}

function legend(x: number, y: number, entries: readonly [string, string, boolean][]): string[] {
  return entries.flatMap(([name, color, dashed], index) => [
    line(x, y + index * 16 - 4, x + 18, y + index * 16 - 4, {
      stroke: color,
      width: 3,
      ...(dashed ? { dash: "4 3" } : {}),
    }),
    text(x + 24, y + index * 16, name, { size: 11 }),
  ]);
}

export function renderChart(data: ChartData): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(data.title)}</title>`,
    rect(0, 0, WIDTH, HEIGHT, "#fff"),
    text(WIDTH / 2, 30, data.title, { size: 18, anchor: "middle", weight: "bold" }),
    text(WIDTH / 2, 52, data.subtitle, { size: 12, anchor: "middle", fill: "#555" }),
    ...httpPanel(data),
    ...latencyPanel(data),
    ...memoryPanel(data),
    "</svg>",
  ];
  return `${parts.join("\n")}\n`;
}
