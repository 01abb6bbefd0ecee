import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { BenchConfigError } from "./errors.js";

describe("loadConfig", () => {
  it("uses the full sizes, every section and writes the docs by default", () => {
    const config = loadConfig({});
    expect(config.httpSeconds).toBe(10);
    expect(config.latencyRates).toEqual([100, 500, 1_000]);
    expect(config.memoryOrders).toBe(100_000);
    expect([...config.sections]).toEqual(["http", "latency", "bus", "memory"]);
    expect(config.write).toBe(true);
  });

  it("uses the small sizes in quick mode and writes nothing unless BENCH_WRITE=1", () => {
    const quick = loadConfig({ BENCH_QUICK: "1" });
    expect(quick.httpSeconds).toBe(3);
    expect(quick.latencySeconds).toBe(3);
    expect(quick.memoryOrders).toBe(5_000);
    expect(quick.write).toBe(false);
    expect(loadConfig({ BENCH_QUICK: "1", BENCH_WRITE: "1" }).write).toBe(true);
  });

  it("writes nothing on a partial run", () => {
    expect(loadConfig({ BENCH_ONLY: "http" }).write).toBe(false);
  });

  it("runs the cluster comparison only when BENCH_ONLY names it, one round in quick mode", () => {
    expect(loadConfig({}).sections.has("cluster")).toBe(false);
    const cluster = loadConfig({ BENCH_ONLY: "cluster" });
    expect([...cluster.sections]).toEqual(["cluster"]);
    expect(cluster.clusterRounds).toBe(3);
    expect(cluster.write).toBe(false);
    expect(loadConfig({ BENCH_ONLY: "cluster", BENCH_QUICK: "1" }).clusterRounds).toBe(1);
  });

  it("takes sizes from BENCH_* variables, underscores allowed", () => {
    const config = loadConfig({ BENCH_MEMORY_ORDERS: "20_000", BENCH_LATENCY_RATES: "50, 200" });
    expect(config.memoryOrders).toBe(20_000);
    expect(config.latencyRates).toEqual([50, 200]);
  });

  it("rejects bad values with the variable's name", () => {
    expect(() => loadConfig({ BENCH_HTTP_SECONDS: "ten" })).toThrow(BenchConfigError);
    expect(() => loadConfig({ BENCH_HTTP_SECONDS: "0" })).toThrow(/BENCH_HTTP_SECONDS/);
    expect(() => loadConfig({ BENCH_ONLY: "http,cpu" })).toThrow(/unknown section "cpu"/);
    expect(() => loadConfig({ BENCH_PERSISTENCE: "fsync" })).toThrow(/BENCH_PERSISTENCE/);
  });
});
