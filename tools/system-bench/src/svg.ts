/** SVG building blocks for the chart: escaped text, shapes, axis scales and ticks. */

export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

const num = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export function text(
  x: number,
  y: number,
  content: string,
  options: {
    size?: number;
    anchor?: "start" | "middle" | "end";
    weight?: string;
    rotate?: boolean;
    fill?: string;
  } = {},
): string {
  const transform = options.rotate ? ` transform="rotate(-90 ${num(x)} ${num(y)})"` : "";
  return `<text x="${num(x)}" y="${num(y)}" font-size="${options.size ?? 12}" text-anchor="${options.anchor ?? "start"}"${options.weight ? ` font-weight="${options.weight}"` : ""} fill="${options.fill ?? "#222"}"${transform}>${escapeXml(content)}</text>`;
}

export function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  options: { stroke?: string; width?: number; dash?: string } = {},
): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${options.stroke ?? "#444"}" stroke-width="${options.width ?? 1}"${options.dash ? ` stroke-dasharray="${options.dash}"` : ""}/>`;
}

export function rect(x: number, y: number, width: number, height: number, fill: string): string {
  return `<rect x="${num(x)}" y="${num(y)}" width="${num(Math.max(0, width))}" height="${num(Math.max(0, height))}" fill="${fill}"/>`;
}

export function polyline(
  points: readonly [number, number][],
  stroke: string,
  dash?: string,
): string {
  const list = points.map(([x, y]) => `${num(x)},${num(y)}`).join(" ");
  return `<polyline points="${list}" fill="none" stroke="${stroke}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
}

export function circle(x: number, y: number, r: number, fill: string): string {
  return `<circle cx="${num(x)}" cy="${num(y)}" r="${r}" fill="${fill}"/>`;
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (a round axis maximum). */
export function niceCeil(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** `count` + 1 evenly spaced ticks from 0 to `max`. */
export function linearTicks(max: number, count = 5): number[] {
  return Array.from({ length: count + 1 }, (_, index) => (max * index) / count);
}

/** Powers of ten covering `[min, max]` (for a log axis). */
export function logTicks(min: number, max: number): number[] {
  const low = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const high = Math.ceil(Math.log10(Math.max(max, 1e-3)));
  const ticks: number[] = [];
  for (let power = low; power <= Math.max(high, low + 1); power++) ticks.push(10 ** power);
  return ticks;
}

/** Axis numbers: 12k, 1.5M, 250, 0.5. */
export function shortNumber(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  if (value >= 1 || value === 0) return String(+value.toFixed(1));
  return String(+value.toPrecision(2));
}
