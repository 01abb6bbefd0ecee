import { describe, expect, it } from "vitest";
import type { ClusterResult, ClusterRun } from "./cluster.js";
import {
  clusterLatencyRows,
  clusterMasterRows,
  clusterOrdersRows,
  clusterSummaryRows,
  redisCoreShare,
  redisUsPerOrder,
} from "./cluster-report.js";
import { fakeResults } from "./test-fixtures.js";

function fixtureRows() {
  const { http, latency } = fakeResults();
  const [first] = latency ?? [];
  if (!http || !first) throw new TypeError("the fixture lacks HTTP or latency rows");
  return { orders: http.orders, latency: first };
}
const { orders, latency } = fixtureRows();

function run(deployment: string, round: number, perSecond: number, redis: number[]): ClusterRun {
  return {
    deployment,
    round,
    orders: { ...orders, perSecond, requests: perSecond * 10 },
    ordersCpu: { redis, vmBusy: 1, seconds: 10 },
    notRelayed: 0,
    latency: { ...latency, p99: perSecond / 100 },
    latencyCpu: { redis, vmBusy: 0.5, seconds: 8 },
  };
}

const result: ClusterResult = {
  rate: 200,
  deployments: ["standalone", "cluster"],
  runs: [
    run("standalone", 1, 1_000, [2]),
    run("cluster", 1, 500, [1, 1, 2]),
    run("cluster", 2, 1_000, [1, 1, 2]),
    run("standalone", 2, 2_000, [2]),
  ],
  masters: [
    { deployment: "standalone", master: "10.0.0.1:6379", holds: ["{inventory}", "{shipping}"] },
    { deployment: "cluster", master: "10.0.0.2:6379", holds: ["{inventory}"] },
    { deployment: "cluster", master: "10.0.0.3:6379", holds: [] },
    { deployment: "cluster", master: "10.0.0.4:6379", holds: ["{shipping}", "order.placed:0"] },
  ],
};

describe("section 5's tables", () => {
  it("counts Redis CPU per order over every master", () => {
    expect(redisUsPerOrder({ redis: [1, 1, 2], vmBusy: 1, seconds: 10 }, 4_000)).toBe(1_000);
    expect(redisUsPerOrder({ redis: [1], vmBusy: 1, seconds: 10 }, 0)).toBeNaN();
  });

  it("gives the latency runs' Redis CPU as a share of one core over the window", () => {
    expect(redisCoreShare({ redis: [1, 1, 2], vmBusy: 1, seconds: 8 })).toBe(0.5);
    const [, standalone] = clusterLatencyRows(result);
    expect(standalone?.[9]).toBe("25%");
  });

  it("compares each round with the baseline's run of the same round, not with another round's", () => {
    const [, , cluster] = clusterSummaryRows(result);
    expect(cluster?.[2]).toBe("0.50×, 0.50×");
    expect(cluster?.[4]).toBe("0.50×, 0.50×");
  });

  it("gives each master its share of its deployment's Redis CPU over all rounds", () => {
    const rows = clusterMasterRows(result);
    expect(rows.slice(1).map((row) => [row[1], row[2], row[3]])).toEqual([
      ["10.0.0.1:6379", "every key", "4.00 s (100%)"],
      ["10.0.0.2:6379", "{inventory}", "2.00 s (25%)"],
      ["10.0.0.3:6379", "—", "2.00 s (25%)"],
      ["10.0.0.4:6379", "{shipping}, order.placed:0", "4.00 s (50%)"],
    ]);
  });

  it("lists every run in the order it ran, with failures and lost orders", () => {
    expect(
      clusterOrdersRows(result)
        .slice(1)
        .map((row) => `${row[0]} ${row[1]}`),
    ).toEqual(["standalone 1", "cluster 1", "cluster 2", "standalone 2"]);
    expect(clusterLatencyRows(result)[0]).toContain("lost");
  });
});
