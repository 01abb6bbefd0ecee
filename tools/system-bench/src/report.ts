/**
 * The result tables, as rows (the first row the header), shared by the console output
 * and the generated block of docs/BENCHMARKS.md.
 */
import { formatInt, formatMb, formatMs, formatRate, ratio, verdict } from "./lib.js";
import type { MemorySample } from "./memory.js";
import type { ServiceName } from "./processes.js";
import { CEILING_CLIENTS, CEILING_PAYLOAD_BYTES, CEILING_PIPELINE } from "./redis.js";
import { type RunResults, TARGETS } from "./results.js";

type Rows = string[][];

const ms = (value: number) => formatMs(value);

export function httpRows(results: RunResults): Rows | undefined {
  const { http } = results;
  if (!http) return undefined;
  return [
    ["route", "req/s (mean)", "p50", "p99", "max", "requests", "errors", "non-2xx"],
    ...[http.bare, http.naive, http.orders].map((row) => [
      row.label,
      formatRate(row.perSecond),
      ms(row.p50),
      ms(row.p99),
      ms(row.max),
      formatInt(row.requests),
      String(row.errors),
      String(row.non2xx),
    ]),
  ];
}

export function latencyRows(results: RunResults): Rows | undefined {
  const { latency } = results;
  if (!latency) return undefined;
  return [
    ["rate", "placed/s", "p50", "p99", "max", "POST p50 / p99", "failed", "lost"],
    ...latency.map((row) => [
      `${formatInt(row.rate)}/s`,
      formatRate(row.achievedRate),
      ms(row.p50),
      ms(row.p99),
      ms(row.max),
      `${ms(row.httpP50)} / ${ms(row.httpP99)}`,
      String(row.failed),
      String(row.lost),
    ]),
  ];
}

export function busRows(results: RunResults): Rows | undefined {
  const { bus } = results;
  if (!bus) return undefined;
  const { publish, consume, latency } = bus.bus;
  const rows: Rows = [
    ["measure", "bus", "raw ioredis", "BullMQ", "redis-benchmark", "bus ÷ raw", "bus ÷ BullMQ"],
  ];
  if (publish)
    rows.push([
      "publish, events/s",
      formatRate(publish.bus.perSecond),
      formatRate(publish.raw.perSecond),
      `${formatRate(publish.bullmq.perSecond)} (queue.add)`,
      `${formatRate(bus.ceiling)} (XADD ceiling)`,
      ratio(publish.bus.perSecond, publish.raw.perSecond),
      ratio(publish.bus.perSecond, publish.bullmq.perSecond),
    ]);
  if (consume) {
    const best = consume.busBest;
    rows.push([
      `consume + ack, entries/s (bus ${best.label.replace("bus, ", "")})`,
      formatRate(best.perSecond),
      formatRate(consume.raw.perSecond),
      `${formatRate(consume.bullmqBest.perSecond)} (${consume.bullmqBest.label.replace("BullMQ, ", "")})`,
      "—",
      ratio(best.perSecond, consume.raw.perSecond),
      ratio(best.perSecond, consume.bullmqBest.perSecond),
    ]);
    if (consume.busDefault && consume.busDefault.label !== best.label)
      rows.push([
        `consume + ack, entries/s (bus ${consume.busDefault.label.replace("bus, ", "")}, the default)`,
        formatRate(consume.busDefault.perSecond),
        formatRate(consume.raw.perSecond),
        formatRate(consume.bullmqBest.perSecond),
        "—",
        ratio(consume.busDefault.perSecond, consume.raw.perSecond),
        ratio(consume.busDefault.perSecond, consume.bullmqBest.perSecond),
      ]);
  }
  for (const run of latency ?? []) {
    if (run.mode !== "bus") continue;
    const raw = latency?.find(
      (other) => other.mode === "raw" && other.semiSpaceMb === run.semiSpaceMb,
    );
    const figures = (r: typeof run) =>
      `${ms(r.result.p50)} / ${ms(r.result.p99)} / ${ms(r.result.max)}`;
    rows.push([
      `publish → handler latency p50 / p99 / max${run.semiSpaceMb ? `, --max-semi-space-size=${run.semiSpaceMb}` : ""}`,
      figures(run),
      raw ? figures(raw) : "—",
      "—",
      "—",
      raw ? ratio(run.result.p99, raw.result.p99).replace("×", "× p99") : "—",
      "—",
    ]);
  }
  return rows;
}

export function ceilingNote(results: RunResults): string | undefined {
  if (!results.bus) return undefined;
  return `redis-benchmark: \`XADD bench:ceiling * payload <${CEILING_PAYLOAD_BYTES} bytes>\`, ${CEILING_CLIENTS} clients, pipeline ${CEILING_PIPELINE}, run inside this run's Redis container; the bus rows come from \`pnpm --filter @retail/bus bench\` (its own fresh container, persistence none) in this same run (${results.bus.seconds.toFixed(0)} s).`;
}

const SERVICES: ServiceName[] = ["inventory", "shipping", "client-monitoring"];

export function memoryRows(results: RunResults): Rows | undefined {
  const { memory } = results;
  if (!memory) return undefined;
  return [
    [
      "sample",
      "orders",
      ...SERVICES.map((name) => `${name} RSS`),
      "Redis used_memory",
      "stream entries",
    ],
    ...memory.samples.map((sample) => [
      sample.label,
      formatInt(sample.orders),
      ...SERVICES.map((name) => formatMb(sample.rss[name])),
      formatMb(sample.redisUsedMemory),
      formatInt(sample.streamEntries),
    ]),
  ];
}

/** The 20 % sample and the last one: the window growth is measured over. */
export function growthWindow(samples: readonly MemorySample[]) {
  const last = samples.at(-1);
  const from = samples.find((sample) => sample.orders > 0) ?? samples[0];
  return from && last && last.orders > from.orders ? { from, last } : undefined;
}

export function keyRows(results: RunResults): Rows | undefined {
  const { memory } = results;
  if (!memory || memory.keys.length === 0) return undefined;
  const orders = Math.max(1, memory.placed);
  return [
    ["key kind (at the end)", "keys", "memory (estimated)", "bytes per order"],
    ...memory.keys
      .filter((kind) => kind.bytes >= 64 * 1024)
      .map((kind) => [
        kind.kind,
        formatInt(kind.keys),
        formatMb(kind.bytes),
        formatInt(kind.bytes / orders),
      ]),
  ];
}

/** Every target of the issue with its measured value and met/MISSED. */
export function targetRows(results: RunResults): Rows {
  const rows: Rows = [["target", "measured", "verdict"]];
  const { http, latency, memory } = results;
  if (http) {
    const vsBare = http.orders.perSecond / http.bare.perSecond;
    const vsNaive = http.orders.perSecond / http.naive.perSecond;
    rows.push([
      `POST /orders ≥ ${TARGETS.vsBare}× bare Fastify req/s`,
      `${ratio(http.orders.perSecond, http.bare.perSecond)} (${formatRate(http.orders.perSecond)} vs ${formatRate(http.bare.perSecond)})`,
      verdict(vsBare >= TARGETS.vsBare),
    ]);
    rows.push([
      `POST /orders ≥ ${TARGETS.vsNaive}× naive route req/s`,
      `${ratio(http.orders.perSecond, http.naive.perSecond)} (${formatRate(http.orders.perSecond)} vs ${formatRate(http.naive.perSecond)})`,
      verdict(vsNaive >= TARGETS.vsNaive),
    ]);
  }
  const at = latency?.find((row) => row.rate === TARGETS.latencyRate);
  if (at)
    rows.push([
      `order → shipment.created p99 ≤ ${TARGETS.latencyP99Ms} ms at ${TARGETS.latencyRate}/s`,
      `${ms(at.p99)} (p50 ${ms(at.p50)}, ${at.lost} lost)`,
      verdict(at.p99 <= TARGETS.latencyP99Ms && at.lost === 0 && at.failed === 0),
    ]);
  const window = memory && growthWindow(memory.samples);
  if (memory && window) {
    const { from, last } = window;
    for (const name of SERVICES) {
      const growth = last.rss[name] - from.rss[name];
      rows.push([
        `${name} RSS flat after 20 % of the orders (< ${TARGETS.rssGrowth * 100} % growth)`,
        `${formatMb(from.rss[name])} → ${formatMb(last.rss[name])} (${growth >= 0 ? "+" : ""}${formatMb(growth)})`,
        verdict(growth < TARGETS.rssGrowth * from.rss[name]),
      ]);
    }
    const redisGrowth = last.redisUsedMemory - from.redisUsedMemory;
    const perOrder = redisGrowth / (last.orders - from.orders);
    rows.push([
      "Redis memory flat, not growing per order",
      `${formatMb(from.redisUsedMemory)} → ${formatMb(last.redisUsedMemory)} over ${formatInt(last.orders - from.orders)} orders: ${formatInt(perOrder)} bytes/order`,
      verdict(redisGrowth < TARGETS.rssGrowth * from.redisUsedMemory),
    ]);
  }
  return rows;
}
