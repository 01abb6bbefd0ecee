/**
 * The system benchmark: `pnpm bench:system`. One fresh Redis container; the services as
 * child processes; four sections (HTTP, order → shipment latency, bus rows, memory) in
 * one run, and on request (`BENCH_ONLY=cluster`) a fifth on a 3-master cluster as well; tables on stdout; on a full run, docs/BENCHMARKS.md's generated block and
 * docs/benchmarks/system.svg rewritten. Sizes: BENCH_* variables (src/config.ts).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import type { RedisCluster } from "@retail/testing";
import { Redis } from "ioredis";
import { type BusRows, benchBusRows } from "./bus-rows.js";
import { renderChart } from "./chart.js";
import { benchClusterSection } from "./cluster.js";
import { clusterTables } from "./cluster-report.js";
import { loadConfig } from "./config.js";
import { chartDataOf, renderBlock } from "./document.js";
import { benchHttp, type HttpResult } from "./http.js";
import { benchLatency, type LatencyRow } from "./latency.js";
import { formatLoad, table } from "./lib.js";
import { machine, machineRows } from "./machine.js";
import { replaceBlock } from "./markdown.js";
import { benchMemory, type MemoryResult } from "./memory.js";
import { repoRoot, stopAll } from "./processes.js";
import { type BenchRedis, startBenchCluster, startBenchRedis } from "./redis.js";
import {
  busRows,
  ceilingNote,
  httpRows,
  keyRows,
  latencyRows,
  memoryRows,
  targetRows,
} from "./report.js";
import type { RunResults } from "./results.js";

const print = (line = "") => process.stdout.write(`${line}\n`);
const config = loadConfig();
const started = performance.now();

print(`# system benchmark${config.quick ? " (BENCH_QUICK=1)" : ""}`);
let redis: BenchRedis;
try {
  redis = await startBenchRedis(config.persistence);
} catch (error) {
  print(`could not start Redis in a container: ${(error as Error).message}`);
  print(
    "Docker must be reachable; where Ryuk cannot be pulled, set TESTCONTAINERS_RYUK_DISABLED=true.",
  );
  process.exit(1);
}
// Section 5's cluster, once asked for: a Ctrl-C while it starts still removes it.
let clusterStarting: Promise<RedisCluster> | undefined;
const disposeCluster = () =>
  clusterStarting?.then(
    (cluster) => cluster.dispose(),
    () => {},
  );
// Ctrl-C or a kill still stops the services and removes the containers.
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void stopAll()
      .then(() => Promise.allSettled([redis.server.dispose(), disposeCluster()]))
      .finally(() => process.exit(130));
  });

const admin = new Redis(redis.url);
let http: HttpResult | undefined;
let latency: LatencyRow[] | undefined;
let bus: BusRows | undefined;
let memory: MemoryResult | undefined;
try {
  const host = await machine(admin, config.persistence, redis.route);
  print(`\n${table(machineRows(host, "—"))}`);

  if (config.sections.has("http")) {
    print(
      `\n## 1. HTTP, autocannon ${config.httpConnections} connections, ${config.httpSeconds} s each after ${config.httpWarmupSeconds} s warm-up`,
    );
    http = await benchHttp(redis.url, config, print);
    print(table(httpRows({ http } as RunResults) ?? []));
    await admin.flushall();
  }

  if (config.sections.has("latency")) {
    print(`\n## 2. order → shipment.created latency, ${config.latencySeconds} s per rate`);
    latency = await benchLatency(redis.url, config, print);
    print(table(latencyRows({ latency } as RunResults) ?? []));
    await admin.flushall();
  }

  if (config.sections.has("bus")) {
    print("\n## 3. bus rows (the bus benchmark as a child) and the redis-benchmark XADD ceiling");
    bus = await benchBusRows(redis.server, config, print);
    print(table(busRows({ bus } as RunResults) ?? []));
    await admin.flushall();
  }

  if (config.sections.has("memory")) {
    print(`\n## 4. memory, ${config.memoryOrders.toLocaleString("en-US")} orders`);
    memory = await benchMemory(redis.url, config, print);
    print(table(memoryRows({ memory } as RunResults) ?? []));
    print(table(keyRows({ memory } as RunResults) ?? []));
  }

  if (config.sections.has("cluster")) {
    print(
      `\n## 5. 1 master vs 3 masters through the services, ${config.clusterRounds} paired round(s)`,
    );
    clusterStarting = startBenchCluster(config.persistence);
    const cluster = await clusterStarting;
    print(`  cluster up: ${cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(", ")}`);
    print(clusterTables(await benchClusterSection(redis.url, cluster, config, print), table));
  }

  const results: RunResults = {
    machine: host,
    loadAtEnd: formatLoad(loadavg()),
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    quick: config.quick,
    seconds: (performance.now() - started) / 1_000,
    sizes: sizesOf(),
    ...(http ? { http } : {}),
    ...(latency ? { latency } : {}),
    ...(bus ? { bus } : {}),
    ...(memory ? { memory } : {}),
  };
  const targets = targetRows(results);
  if (targets.length > 1) print(`\n## targets\n${table(targets)}`);
  const note = ceilingNote(results);
  if (note) print(note);
  print(`\nload average at end: ${results.loadAtEnd}; whole run ${results.seconds.toFixed(0)} s`);

  if (config.write) {
    const chartFile = `${repoRoot}docs/benchmarks/system.svg`;
    const docFile = `${repoRoot}docs/BENCHMARKS.md`;
    await mkdir(`${repoRoot}docs/benchmarks`, { recursive: true });
    await writeFile(chartFile, renderChart(chartDataOf(results)));
    const document = await readFile(docFile, "utf8");
    await writeFile(
      docFile,
      replaceBlock(document, renderBlock(results, "benchmarks/system.svg"), "docs/BENCHMARKS.md"),
    );
    print(`wrote ${docFile} and ${chartFile}`);
  } else {
    print("docs not written (quick or partial run; BENCH_WRITE=1 forces it)");
  }
} finally {
  admin.disconnect();
  await stopAll();
  await Promise.allSettled([redis.server.dispose(), disposeCluster()]);
}

function sizesOf(): string {
  return [
    `HTTP ${config.httpConnections} connections × ${config.httpSeconds} s (+${config.httpWarmupSeconds} s warm-up)`,
    `latency ${config.latencyRates.join(" / ")} orders/s × ${config.latencySeconds} s`,
    `memory ${config.memoryOrders.toLocaleString("en-US")} orders, ${config.memoryInFlight} in flight`,
    `redis-benchmark ${config.ceilingRequests.toLocaleString("en-US")} XADDs`,
  ].join("; ");
}
