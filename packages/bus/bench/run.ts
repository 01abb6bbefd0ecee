/**
 * The bus benchmark: `pnpm --filter @retail/bus bench`. Starts one fresh Redis
 * container (redis:7-bookworm, through @retail/testing), runs the four sections side by
 * side with a raw ioredis baseline and BullMQ, prints the tables, removes the container.
 * Sizes come from BENCH_* variables (bench/config.ts); BENCH_QUICK=1 is a ~30 s smoke run.
 * See BENCHMARKS.md.
 */
import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { startRedisServer } from "@retail/testing";
import { benchRoute } from "@retail/testing/bench-route";
import { Redis } from "ioredis";
import { PAYLOAD_BYTES } from "./catalog.js";
import { config } from "./config.js";
import { benchConsume, type ConsumeResult } from "./consume.js";
import { benchLatency, type LatencyRun, shippedSemiSpace } from "./latency.js";
import {
  cpuTicks,
  formatMb,
  formatMs,
  formatRate,
  machine,
  median,
  pingRoundTrip,
  ratio,
  stolenShare,
  table,
} from "./lib.js";
import { benchMemory, type MemoryResult } from "./memory.js";
import type { MemorySample } from "./memory-stats.js";
import { benchPublish, type PublishResult, type Throughput } from "./publish.js";

/**
 * "Flat" for the memory verdict: RSS growth per event handled, between samples of the
 * run's second half (median). Retaining even one small object or Buffer per event
 * costs 16 bytes or more, so a leak shows well above this.
 */
const FLAT_BYTES_PER_EVENT = 4;

const print = (text = "") => process.stdout.write(`${text}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ");
const yes = (met: boolean) => (met ? "met" : "MISSED");

print(`# @retail/bus benchmark${config.quick ? " (BENCH_QUICK=1)" : ""}`);
let server: Awaited<ReturnType<typeof startRedisServer>>;
try {
  server = await startRedisServer({ persistence: config.persistence });
} catch (error) {
  print(`could not start Redis in a container: ${(error as Error).message}`);
  print(
    "Docker must be reachable; where the Ryuk image cannot be pulled, run with TESTCONTAINERS_RYUK_DISABLED=true.",
  );
  process.exit(1);
}
// Ctrl-C or a kill still removes the container.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void server.dispose().finally(() => process.exit(130));
  });
}

const { url, route } = await benchRoute(server);
const admin = new Redis(url);
const started = performance.now();
const ticksAtStart = await cpuTicks();
let publish: PublishResult | undefined;
let consume: ConsumeResult | undefined;
let latency: LatencyRun[] | undefined;
let memory: MemoryResult | undefined;
try {
  const host = await machine(admin, config.persistence);
  const roundTrip = await pingRoundTrip(admin);
  print();
  print(
    table([
      ["machine", ""],
      ["CPU", `${host.cpu}, ${host.cores} cores`],
      ["memory", host.memory],
      ["Node.js", host.node],
      ["Redis", host.redis],
      ["route to Redis", route],
      [
        "round trip (sequential PING)",
        `${roundTrip.wallUs.toFixed(0)} µs, of which client CPU ${roundTrip.cpuUs.toFixed(0)} µs`,
      ],
      ["load average (1/5/15 min) at start", load()],
      ["payload", `${PAYLOAD_BYTES} bytes of JSON (envelope fields add ~330 bytes)`],
    ]),
  );

  if (config.sections.has("publish")) {
    print("\n## 1. publish throughput");
    publish = await benchPublish(url);
    const { bus, raw, bullmq, bullmqBulk } = publish;
    print(
      table([
        ["contender", "events/s (median)", "rounds", "÷ raw, same round", "client CPU µs/event"],
        publishRow(
          "bus publish",
          bus,
          publish.busToRaw.map((value) => `${value.toFixed(2)}×`).join(", "),
        ),
        publishRow("raw XADD (auto-pipelined)", raw),
        publishRow("BullMQ queue.add", bullmq),
        publishRow("BullMQ addBulk", bullmqBulk),
      ]),
    );
    print(
      `${config.publishEvents.toLocaleString("en-US")} events (BullMQ ${config.publishJobs.toLocaleString("en-US")} jobs) per round, ${config.publishWindow} in flight, ${config.publishRounds} interleaved rounds`,
    );
    await admin.flushall();
  }

  if (config.sections.has("consume")) {
    print("\n## 2. consume + ack throughput (one process, no-op handler)");
    consume = await benchConsume(url);
    print(
      table([
        [
          "contender",
          "entries/s (median)",
          "rounds",
          "÷ raw, same round",
          "client CPU µs/entry",
          "drained",
        ],
        ...[consume.raw, ...consume.bus, ...consume.bullmq].map((drain) => [
          drain.label,
          formatRate(drain.perSecond),
          drain.rounds.map((perSecond) => Math.round(perSecond)).join(", "),
          drain.ratios.map((value) => `${value.toFixed(2)}×`).join(", "),
          drain.cpuUs.toFixed(1),
          `${drain.count.toLocaleString("en-US")}${drain.complete ? "" : " (time limit)"}`,
        ]),
      ]),
    );
    print(
      `${config.consumeEvents.toLocaleString("en-US")} entries (BullMQ ${config.consumeJobs.toLocaleString("en-US")} jobs, one round) per contender per round, ${config.consumeRounds} interleaved rounds`,
    );
    await admin.flushall();
  }

  if (config.sections.has("latency")) {
    print(
      `\n## 3. publish → handler latency, ${config.latencyRate.toLocaleString("en-US")} events/s for ${config.latencySeconds} s (after ${config.latencyWarmupSeconds} s warm-up), separate processes`,
    );
    latency = await benchLatency(admin, url);
    print(
      table([
        [
          "consumer",
          "Node flag",
          "p50",
          "p90",
          "p99",
          "p99.9",
          "max",
          "> 3 ms",
          "of which during GC",
          "scavenges / other GCs",
          "GC max / total",
          "publish confirmed p50 / p99",
          "lost",
        ],
        ...latency.map((run) => [
          latencyLabel(run),
          flagLabel(run.semiSpaceMb),
          formatMs(run.result.p50),
          formatMs(run.result.p90),
          formatMs(run.result.p99),
          formatMs(run.result.p999),
          formatMs(run.result.max),
          `${(run.result.over3ms * 100).toFixed(2)}%`,
          `${(run.result.slowWithGc * 100).toFixed(0)}%`,
          `${run.result.scavenges} / ${run.result.otherGcs}`,
          `${formatMs(run.result.gcMaxMs)} / ${formatMs(run.result.gcTotalMs)}`,
          `${formatMs(run.publishP50)} / ${formatMs(run.publishP99)}`,
          String(run.result.lost + run.failed),
        ]),
      ]),
    );
  }

  if (config.sections.has("memory")) {
    print(
      `\n## 4. memory: ${config.memoryEvents.toLocaleString("en-US")} events through one bus consumer (no-op handler, retention maxLength ${config.retention.toLocaleString("en-US")})`,
    );
    memory = await benchMemory(admin, url);
    print(
      table([
        [
          "events handled",
          "consumer RSS",
          "heapUsed (after GC)",
          "heapTotal",
          "external",
          "Redis used_memory",
          "stream length",
          "processed marks",
        ],
        ...memory.samples.map((sample) => [
          sample.handled.toLocaleString("en-US"),
          formatMb(sample.rss),
          formatMb(sample.heapUsed),
          formatMb(sample.heapTotal),
          formatMb(sample.external),
          formatMb(sample.redisUsedMemory),
          sample.streamLength.toLocaleString("en-US"),
          sample.marks.toLocaleString("en-US"),
        ]),
      ]),
    );
    print(`${memory.seconds.toFixed(1)} s${memory.complete ? "" : " (stopped at the time limit)"}`);
  }

  print("\n## summary");
  print(table(summary()));
  print(
    `\nload average at end: ${load()}; CPU time taken by the hypervisor (steal) during the run: ${stolenShare(ticksAtStart, await cpuTicks())}; whole run ${((performance.now() - started) / 1_000).toFixed(0)} s`,
  );
  // BENCH_JSON=<file>: the results as data, for the system benchmark (tools/system-bench).
  const jsonFile = process.env.BENCH_JSON;
  if (jsonFile) await writeFile(jsonFile, JSON.stringify({ publish, consume, latency }, null, 2));
} finally {
  admin.disconnect();
  await server.dispose();
}

/** A publish contender's row: label, median rate, each round's rate, its ratios to raw, CPU. */
function publishRow(label: string, result: Throughput, toRaw = ""): string[] {
  return [
    label,
    formatRate(result.perSecond),
    result.rounds.join(", "),
    toRaw,
    result.cpuUs.toFixed(1),
  ];
}

/**
 * Whether a run belongs to the paired rounds (the raw loop, or the bus at the section's
 * concurrency with idempotency on) rather than being one of the extra bus rows.
 */
function inRounds(run: LatencyRun): boolean {
  return run.mode === "raw" || (run.idempotency && run.concurrency === config.latencyConcurrency);
}

/** "raw loop", or the bus with what sets this run apart, and its round where there are several. */
function latencyLabel(run: LatencyRun): string {
  const round =
    inRounds(run) && config.latencyRounds > 1 && run.semiSpaceMb === shippedSemiSpace
      ? `, round ${run.round + 1}`
      : "";
  if (run.mode === "raw") return `raw loop (COUNT 100)${round}`;
  return `bus, concurrency ${run.concurrency}${run.idempotency ? "" : ", idempotency off"}${round}`;
}

interface LatencyPair {
  bus: LatencyRun;
  raw: LatencyRun;
}

/** The paired rounds at one flag: each bus run with the raw loop's run of its round. */
function latencyPairs(runs: LatencyRun[], semiSpaceMb: number): LatencyPair[] {
  const paired = runs.filter((run) => run.semiSpaceMb === semiSpaceMb && inRounds(run));
  const pairs: LatencyPair[] = [];
  for (const bus of paired) {
    if (bus.mode !== "bus") continue;
    const raw = paired.find((run) => run.mode === "raw" && run.round === bus.round);
    if (raw) pairs.push({ bus, raw });
  }
  return pairs;
}

function flagLabel(semiSpaceMb: number): string {
  if (semiSpaceMb === 0) return "no flag (Node default here)";
  const note = semiSpaceMb === 1 ? " (≈ default in a 512 MB container)" : "";
  return `--max-semi-space-size=${semiSpaceMb}${note}`;
}

/** The headline table: each row bus / raw / BullMQ side by side, with its target. */
function summary(): string[][] {
  const rows: string[][] = [
    ["measure", "bus", "raw ioredis", "BullMQ", "bus ÷ raw", "bus ÷ BullMQ", "target", "verdict"],
  ];
  if (publish) {
    const { bus, raw, bullmq } = publish;
    // Against the raw loop of the same round: the median of the paired ratios.
    const toRaw = median(publish.busToRaw);
    rows.push([
      "1. publish, events/s",
      formatRate(bus.perSecond),
      formatRate(raw.perSecond),
      `${formatRate(bullmq.perSecond)} (add)`,
      `${toRaw.toFixed(2)}×`,
      ratio(bus.perSecond, bullmq.perSecond),
      "bus ≥ 0.8× raw",
      yes(toRaw >= 0.8),
    ]);
  }
  if (consume) {
    const { busBest, busDefault, raw, bullmqBest } = consume;
    // Against the raw loop of the same round: the median of the paired ratios.
    const toRaw = median(busBest.ratios);
    rows.push([
      `2. consume+ack, best (${busBest.label.replace("bus, ", "")})`,
      formatRate(busBest.perSecond),
      formatRate(raw.perSecond),
      `${formatRate(bullmqBest.perSecond)} (${bullmqBest.label.replace("BullMQ, ", "")})`,
      `${toRaw.toFixed(2)}×`,
      ratio(busBest.perSecond, bullmqBest.perSecond),
      "≥ 0.7× raw, ≥ 5× BullMQ",
      `${yes(toRaw >= 0.7)} / ${yes(busBest.perSecond >= 5 * bullmqBest.perSecond)}`,
    ]);
    if (busDefault) {
      rows.push([
        "2. consume+ack, bus default (concurrency 16)",
        formatRate(busDefault.perSecond),
        formatRate(raw.perSecond),
        formatRate(bullmqBest.perSecond),
        `${median(busDefault.ratios).toFixed(2)}×`,
        ratio(busDefault.perSecond, bullmqBest.perSecond),
        "(reported)",
        "",
      ]);
    }
  }
  if (latency) {
    for (const semiSpaceMb of config.semiSpaces) {
      const pairs = latencyPairs(latency, semiSpaceMb);
      if (pairs.length === 0) continue;
      // Medians over the paired rounds (one round unless this is the shipped flag).
      const figures = (pick: (pair: LatencyPair) => LatencyRun) => {
        const of = (key: "p50" | "p99" | "max") =>
          median(pairs.map((pair) => pick(pair).result[key]));
        return { p50: of("p50"), p99: of("p99"), max: of("max") };
      };
      const bus = figures((pair) => pair.bus);
      const raw = figures((pair) => pair.raw);
      const p99Ratio = median(pairs.map((pair) => pair.bus.result.p99 / pair.raw.result.p99));
      const shown = (values: typeof bus) =>
        `${formatMs(values.p50)} / ${formatMs(values.p99)} / ${formatMs(values.max)}`;
      const rounds = pairs.length > 1 ? `, median of ${pairs.length} paired rounds` : "";
      rows.push([
        `3. latency p50 / p99 / max, bus concurrency ${config.latencyConcurrency}, ${flagLabel(semiSpaceMb)}${rounds}`,
        shown(bus),
        shown(raw),
        "—",
        `${p99Ratio.toFixed(2)}× p99`,
        "—",
        "p50 ≤ 1 ms, p99 ≤ 3 ms, bus p99 ≤ raw",
        `${yes(bus.p50 <= 1)} / ${yes(bus.p99 <= 3)} / ${yes(p99Ratio <= 1)}`,
      ]);
    }
  }
  if (memory) {
    const { events, samples } = memory;
    // The second half: by then the allocator and V8 have warmed up (the first million
    // events or so). A leak grows RSS in every interval, while the allocator steps up
    // now and then (9 MB at once in one run here, heap and Buffers flat). So the
    // verdict takes the median of the intervals' growth per event: a step or two
    // cannot move it.
    const second = samples.filter((sample) => sample.handled >= events / 2);
    const from = second[0];
    const last = second.at(-1);
    if (from && last && second.length >= 2) {
      const growth = (a: number, b: number) => `${b >= a ? "+" : ""}${formatMb(b - a)}`;
      const perEvent = median(
        second.slice(1).map((sample, index) => {
          const before = second[index] as MemorySample;
          return (sample.rss - before.rss) / (sample.handled - before.handled);
        }),
      );
      rows.push([
        `4. memory, ${from.handled.toLocaleString("en-US")} → ${last.handled.toLocaleString("en-US")} events`,
        `RSS ${growth(from.rss, last.rss)} (median ${perEvent.toFixed(1)} B/event per interval), heap ${growth(from.heapUsed, last.heapUsed)}`,
        "—",
        "—",
        "—",
        "—",
        `RSS flat (median < ${FLAT_BYTES_PER_EVENT} B/event); Redis bounded`,
        `RSS ${yes(perEvent < FLAT_BYTES_PER_EVENT)}; Redis ${growth(from.redisUsedMemory, last.redisUsedMemory)} (${last.streamLength.toLocaleString("en-US")} entries, ${last.marks.toLocaleString("en-US")} marks)`,
      ]);
    }
  }
  return rows;
}
