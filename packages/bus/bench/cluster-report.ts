/** The cluster benchmark's tables, from each section's figures. */
import type { CeilingResult } from "./cluster-ceiling.js";
import { clusterConfig } from "./cluster-config.js";
import type { HopLatency, HopMode, HopResult } from "./cluster-hop.js";
import type { Windowed } from "./cluster-measure.js";
import type { Phase, SpreadRound } from "./cluster-spread.js";
import type { WaitMode, WaitResult } from "./cluster-wait.js";
import { formatMs, formatRate, median, table } from "./lib.js";

const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "—");
const listed = (values: readonly number[]) => values.map((value) => Math.round(value)).join(", ");
const percent = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : "—");

/** Paired ratios a[i] ÷ b[i]. */
function paired(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, index) => value / (b[index] as number));
}

const HOP_LABEL: Record<HopMode, string> = {
  publish: "bus.publish → stream",
  commit: "bus.commit → outbox → relay → stream",
};

export function hopLatencyTable(result: HopResult): string {
  return table([
    ["path", "round", "p50", "p90", "p99", "p99.9", "max", "confirmed p50 / p99", "lost"],
    ...result.latency.map((run) => [
      HOP_LABEL[run.mode],
      String(run.round + 1),
      formatMs(run.result.p50),
      formatMs(run.result.p90),
      formatMs(run.result.p99),
      formatMs(run.result.p999),
      formatMs(run.result.max),
      `${formatMs(run.confirmP50)} / ${formatMs(run.confirmP99)}`,
      String(run.result.lost + run.failed),
    ]),
  ]);
}

/** Medians over the rounds, and what the hop adds: commit − publish of the same round. */
export function hopLatencySummary(result: HopResult) {
  const of = (mode: HopMode) =>
    [...result.latency].filter((run) => run.mode === mode).sort((a, b) => a.round - b.round);
  const publish = of("publish");
  const commit = of("commit");
  const pick = (runs: HopLatency[], key: "p50" | "p99") => runs.map((run) => run.result[key]);
  const added = (key: "p50" | "p99") =>
    median(pick(commit, key).map((value, index) => value - (pick(publish, key)[index] as number)));
  return {
    publishP50: median(pick(publish, "p50")),
    publishP99: median(pick(publish, "p99")),
    commitP50: median(pick(commit, "p50")),
    commitP99: median(pick(commit, "p99")),
    addedP50: added("p50"),
    addedP99: added("p99"),
  };
}

export function hopThroughputTable(result: HopResult): string {
  const publish = result.publish.map((run) => run.perSecond);
  const confirmed = result.commit.map((run) => run.perSecond);
  const relayed = result.commit.map((run) => run.relayedPerSecond);
  const row = (label: string, values: number[], runs: Windowed[], ratios: number[]) => [
    label,
    formatRate(median(values)),
    listed(values),
    ratios.map(times).join(", "),
    median(runs.map((run) => run.cpuUs)).toFixed(1),
    String(runs.reduce((sum, run) => sum + run.failed, 0)),
  ];
  return table([
    [
      "contender",
      "per second (median)",
      "rounds",
      "÷ publish, same round",
      "client CPU µs/call",
      "failed",
    ],
    row("bus.publish, events/s", publish, result.publish, []),
    row("bus.commit, commits/s (confirmed)", confirmed, result.commit, paired(confirmed, publish)),
    row(
      `bus.commit, until relayed${result.commit.every((run) => run.relayed) ? "" : " (time limit hit)"}`,
      relayed,
      result.commit,
      paired(relayed, publish),
    ),
  ]);
}

/** Per deployment: the medians of its rounds' phases, and each round against the first deployment's. */
export function spreadThroughputTable(rounds: readonly SpreadRound[]): string {
  const labels = [...new Set(rounds.map((round) => round.deployment))];
  const of = (label: string) => rounds.filter((round) => round.deployment === label);
  const base = of(labels[0] as string);
  const rows = labels.map((label) => {
    const mine = of(label);
    const publish = mine.map((round) => round.publish.perSecond);
    const drain = mine.map((round) => round.drain.perSecond);
    const toBase =
      label === labels[0]
        ? ""
        : `${paired(
            publish,
            base.map((round) => round.publish.perSecond),
          )
            .map(times)
            .join(", ")} / ${paired(
            drain,
            base.map((round) => round.drain.perSecond),
          )
            .map(times)
            .join(", ")}`;
    const cpu = (phase: (round: SpreadRound) => Phase) =>
      median(mine.map((round) => phase(round).clientCpuUs)).toFixed(1);
    const busy = (phase: (round: SpreadRound) => Phase) =>
      percent(median(mine.map((round) => phase(round).busy)));
    return [
      label,
      formatRate(median(publish)),
      listed(publish),
      formatRate(median(drain)),
      listed(drain) + (mine.every((round) => round.drain.complete) ? "" : " (time limit)"),
      toBase,
      `${cpu((round) => round.publish)} / ${cpu((round) => round.drain)}`,
      `${busy((round) => round.publish)} / ${busy((round) => round.drain)}`,
    ];
  });
  return table([
    [
      "deployment",
      "publish events/s",
      "rounds",
      "consume+ack events/s",
      "rounds",
      `÷ ${labels[0]}, same round (publish / consume)`,
      "client CPU µs/event (publish / consume)",
      "VM busy, 2 cores (publish / consume)",
    ],
    ...rows,
  ]);
}

/** Where keys, entries and Redis CPU went, per master, summed over a deployment's rounds. */
export function spreadShareTable(rounds: readonly SpreadRound[]): string {
  const rows: string[][] = [];
  for (const label of new Set(rounds.map((round) => round.deployment))) {
    const mine = rounds.filter((round) => round.deployment === label);
    const last = mine.at(-1);
    if (!last) continue;
    const cpu = (phase: (round: SpreadRound) => Phase) => {
      const byMaster = new Map<string, number>();
      for (const round of mine)
        for (const [name, seconds] of phase(round).redisCpu)
          byMaster.set(name, (byMaster.get(name) ?? 0) + seconds);
      const total = [...byMaster.values()].reduce((sum, seconds) => sum + seconds, 0);
      return { byMaster, total };
    };
    const publish = cpu((round) => round.publish);
    const drain = cpu((round) => round.drain);
    const events = clusterConfig.spreadEvents * mine.length;
    const shown = (of: typeof publish, name: string) => {
      const seconds = of.byMaster.get(name) ?? 0;
      return `${seconds.toFixed(2)} s (${percent(seconds / of.total)}), ${((seconds * 1e6) / events).toFixed(1)} µs/event`;
    };
    for (const share of last.shares) {
      rows.push([
        label,
        share.name,
        String(share.streams),
        share.entries.toLocaleString("en-US"),
        share.keys.toLocaleString("en-US"),
        shown(publish, share.name),
        shown(drain, share.name),
        share.marks ? "yes" : "",
      ]);
    }
  }
  return table([
    [
      "deployment",
      "master",
      "partition streams",
      "entries",
      "keys",
      "Redis CPU, publish",
      "Redis CPU, consume+ack",
      `processed:{${"bench-worker"}}`,
    ],
    ...rows,
  ]);
}

export function ceilingTable(result: CeilingResult) {
  const standalone = result.rounds.map((round) => round.standalone.perSecond);
  const master = result.rounds.map((round) => round.clusterMaster.perSecond);
  const together = result.rounds.map((round) =>
    round.allMasters.reduce((sum, run) => sum + run.perSecond, 0),
  );
  const each = result.rounds.map((round) =>
    round.allMasters.map((run) => Math.round(run.perSecond)).join(" + "),
  );
  const masters = result.rounds[0]?.allMasters.length ?? 0;
  const ceiling = median(master);
  const text = table([
    ["target", "XADD/s (median)", "rounds", "p50 / p99 (median)"],
    [
      "standalone server",
      formatRate(median(standalone)),
      listed(standalone),
      latencies(result.rounds.map((round) => round.standalone)),
    ],
    [
      "one cluster master (cluster-enabled)",
      formatRate(ceiling),
      listed(master),
      latencies(result.rounds.map((round) => round.clusterMaster)),
    ],
    [
      `all ${masters} cluster masters at once (sum)`,
      formatRate(median(together)),
      `${listed(together)} (${each.join("; ")})`,
      latencies(result.rounds.flatMap((round) => round.allMasters)),
    ],
    [`projection: one master × ${masters}`, formatRate(ceiling * masters), "", ""],
  ]);
  return { text, ceiling, standalone: median(standalone), together: median(together), masters };
}

function latencies(runs: readonly { p50Ms: number; p99Ms: number }[]): string {
  return `${formatMs(median(runs.map((run) => run.p50Ms)))} / ${formatMs(median(runs.map((run) => run.p99Ms)))}`;
}

export function waitTable(result: WaitResult): string {
  const of = (mode: WaitMode) =>
    result.rounds.filter((round) => round.mode === mode).sort((a, b) => a.round - b.round);
  const base = of("no wait");
  const rows = (["no wait", "WAIT 1 replica"] as const).map((mode) => {
    const mine = of(mode);
    const perSecond = mine.map((round) => round.throughput.perSecond);
    const relayed = mine.map((round) => round.throughput.relayedPerSecond);
    const latency = (key: "p50" | "p99" | "max") =>
      formatMs(median(mine.map((round) => round.latency[key])));
    return [
      mode === "no wait"
        ? "outbox write, no wait (default)"
        : `outbox write + WAIT 1 ${clusterConfig.waitTimeoutMs}`,
      formatRate(median(perSecond)),
      listed(perSecond),
      mode === "no wait"
        ? ""
        : paired(
            perSecond,
            base.map((round) => round.throughput.perSecond),
          )
            .map(times)
            .join(", "),
      formatRate(median(relayed)) +
        (mine.every((round) => round.throughput.relayed) ? "" : " (time limit)"),
      `${latency("p50")} / ${latency("p99")} / ${latency("max")}`,
      String(mine.reduce((sum, round) => sum + round.throughput.failed + round.latency.failed, 0)),
    ];
  });
  return table([
    [
      "commit",
      "commits/s, windowed (median)",
      "rounds",
      "÷ no wait, same round",
      "until relayed, events/s",
      `confirmed p50 / p99 / max at ${clusterConfig.waitRate}/s`,
      "failed",
    ],
    ...rows,
  ]);
}
