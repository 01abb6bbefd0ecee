/** Section 5's tables, as rows (the first row the header), from a `ClusterResult`. */
import type { ClusterResult, ClusterRun, PhaseCpu } from "./cluster.js";
import { formatInt, formatMs, formatRate, median, ratio } from "./lib.js";

type Rows = string[][];

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const percent = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : "—");

/** Redis CPU (all masters) per order, µs. */
export function redisUsPerOrder(cpu: PhaseCpu, orders: number): number {
  return orders > 0 ? (sum(cpu.redis) * 1e6) / orders : Number.NaN;
}

const usPerOrder = (cpu: PhaseCpu, orders: number) => {
  const us = redisUsPerOrder(cpu, orders);
  return Number.isFinite(us) ? `${us.toFixed(1)} µs` : "—";
};

/**
 * Redis CPU (all masters) over the window's wall time: 1 is one core. At a fixed
 * moderate rate a per-order figure would mostly count the servers' idle work (cron,
 * blocked reads timing out), which is why the latency runs report this instead.
 */
export function redisCoreShare(cpu: PhaseCpu): number {
  return cpu.seconds > 0 ? sum(cpu.redis) / cpu.seconds : Number.NaN;
}

export function clusterOrdersRows(result: ClusterResult): Rows {
  return [
    [
      "deployment",
      "round",
      "orders/s",
      "p50",
      "p99",
      "failed",
      "not relayed",
      "Redis CPU/order",
      "VM busy",
    ],
    ...result.runs.map((run) => [
      run.deployment,
      String(run.round),
      formatRate(run.orders.perSecond),
      formatMs(run.orders.p50),
      formatMs(run.orders.p99),
      formatInt(run.orders.errors + run.orders.non2xx),
      formatInt(run.notRelayed),
      usPerOrder(run.ordersCpu, run.orders.requests),
      percent(run.ordersCpu.vmBusy),
    ]),
  ];
}

export function clusterLatencyRows(result: ClusterResult): Rows {
  return [
    [
      "deployment",
      "round",
      "placed/s",
      "p50",
      "p99",
      "max",
      "POST p50 / p99",
      "failed",
      "lost",
      "Redis CPU, of a core",
      "VM busy",
    ],
    ...result.runs.map(({ latency, ...run }) => [
      run.deployment,
      String(run.round),
      formatRate(latency.achievedRate),
      formatMs(latency.p50),
      formatMs(latency.p99),
      formatMs(latency.max),
      `${formatMs(latency.httpP50)} / ${formatMs(latency.httpP99)}`,
      formatInt(latency.failed),
      formatInt(latency.lost),
      percent(redisCoreShare(run.latencyCpu)),
      percent(run.latencyCpu.vmBusy),
    ]),
  ];
}

/** `value(run) ÷ value(baseline's run)` for each round, as `0.91×, 1.02×`. */
function perRound(result: ClusterResult, label: string, value: (run: ClusterRun) => number) {
  const baseline = result.deployments[0];
  return result.runs
    .filter((run) => run.deployment === label)
    .map((run) => {
      const base = result.runs.find(
        (other) => other.deployment === baseline && other.round === run.round,
      );
      return base ? ratio(value(run), value(base)) : "—";
    })
    .join(", ");
}

/** Per deployment: medians over the rounds, and each round's ratio to the baseline. */
export function clusterSummaryRows(result: ClusterResult): Rows {
  return [
    [
      "deployment",
      "orders/s (median)",
      "÷ 1 master, same round",
      `p50 / p99 at ${result.rate}/s (median)`,
      "p99 ÷ 1 master, same round",
      "Redis CPU/order, orders/s runs (median)",
      "Redis CPU at the fixed rate, of a core (median)",
    ],
    ...result.deployments.map((label, index) => {
      const runs = result.runs.filter((run) => run.deployment === label);
      const ordersUs = median(
        runs.map((run) => redisUsPerOrder(run.ordersCpu, run.orders.requests)),
      );
      const latencyShare = median(runs.map((run) => redisCoreShare(run.latencyCpu)));
      return [
        label,
        formatRate(median(runs.map((run) => run.orders.perSecond))),
        index === 0 ? "" : perRound(result, label, (run) => run.orders.perSecond),
        `${formatMs(median(runs.map((run) => run.latency.p50)))} / ${formatMs(median(runs.map((run) => run.latency.p99)))}`,
        index === 0 ? "" : perRound(result, label, (run) => run.latency.p99),
        `${ordersUs.toFixed(1)} µs`,
        percent(latencyShare),
      ];
    }),
  ];
}

/** Each master's CPU over every round, and its share of its deployment's. */
export function clusterMasterRows(result: ClusterResult): Rows {
  const cell = (label: string, index: number, phase: "ordersCpu" | "latencyCpu") => {
    const runs = result.runs.filter((run) => run.deployment === label);
    const mine = sum(runs.map((run) => run[phase].redis[index] ?? 0));
    const all = sum(runs.map((run) => sum(run[phase].redis)));
    return `${mine.toFixed(2)} s (${percent(all > 0 ? mine / all : Number.NaN)})`;
  };
  const rows: Rows = [
    ["deployment", "master", "holds", "Redis CPU, orders/s runs", "Redis CPU, latency runs"],
  ];
  for (const label of result.deployments) {
    const masters = result.masters.filter((master) => master.deployment === label);
    masters.forEach((master, index) => {
      rows.push([
        label,
        master.master,
        masters.length === 1 ? "every key" : master.holds.join(", ") || "—",
        cell(label, index, "ordersCpu"),
        cell(label, index, "latencyCpu"),
      ]);
    });
  }
  return rows;
}

/** Every table of section 5, for the console. */
export function clusterTables(result: ClusterResult, table: (rows: Rows) => string): string {
  return [
    clusterSummaryRows(result),
    clusterOrdersRows(result),
    clusterLatencyRows(result),
    clusterMasterRows(result),
  ]
    .map(table)
    .join("\n\n");
}
