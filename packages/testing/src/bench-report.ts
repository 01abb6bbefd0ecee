/**
 * Figures and tables for the benchmarks (`pnpm --filter @retail/bus bench`,
 * `pnpm bench:system`): both start their Redis through this package, and print their
 * results the same way. Missing figures (NaN, Infinity) print as a dash.
 */
import { cpus, totalmem } from "node:os";
import type { Redis } from "ioredis";

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Nearest-rank percentile of values already sorted ascending: always one of the
 * values. NaN when there are none, so that a report prints a dash: 0 would read as a
 * measured (and perfect) latency.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "—";
  return `${Math.round(perSecond).toLocaleString("en-US")}/s`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatMb(bytes: number): string {
  if (!Number.isFinite(bytes)) return "—";
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export function formatInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—";
}

/** `a ÷ b` as `0.42×`; a dash when either is missing. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "—";
  return `${(a / b).toFixed(2)}×`;
}

/** A plain-text (and Markdown) table: the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(" | ")} |`;
  const [header, ...body] = rows;
  if (!header) return "";
  return [line(header), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`]
    .concat(body.map(line))
    .join("\n");
}

/** One `INFO` section of a Redis server as a map. */
export async function redisInfo(
  redis: Pick<Redis, "info">,
  section: string,
): Promise<Record<string, string>> {
  const text = await redis.info(section);
  const fields: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** The machine a benchmark ran on, for the top of its report. */
export interface MachineFacts {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  /** `redis_version` of the server measured, `?` when INFO does not say. */
  redisVersion: string;
}

export async function machineFacts(redis: Pick<Redis, "info">): Promise<MachineFacts> {
  const server = await redisInfo(redis, "server");
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? "unknown",
    cores: cores.length,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    redisVersion: server.redis_version ?? "?",
  };
}
