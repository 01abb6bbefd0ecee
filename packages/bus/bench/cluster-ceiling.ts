/**
 * 3. What one master can take: `redis-benchmark` (it ships in redis:7-bookworm), run
 * inside a node's container with `docker exec`, pipelined `XADD`s of a ~530-byte entry
 * (an envelope's size) to one key, trimmed as a topic is. Against the standalone
 * server, against one cluster master (a key in its slots), and against every master at
 * once (one redis-benchmark per master, all started together): the last is what this
 * VM's cores allow, where the projection (ceiling × masters) is what the masters would
 * allow each on cores of their own.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { clusterConfig } from "./cluster-config.js";
import type { Deployment, MasterNode } from "./cluster-nodes.js";

const run = promisify(execFile);

/** An entry's one field: about the size of a bus envelope (~200-byte payload, ~330 bytes of fields). */
const VALUE = "v".repeat(530);

export interface BenchmarkRun {
  /** XADDs per second, as redis-benchmark reports. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface CeilingRound {
  round: number;
  standalone: BenchmarkRun;
  clusterMaster: BenchmarkRun;
  /** One run per master, started together. */
  allMasters: BenchmarkRun[];
}

export interface CeilingResult {
  rounds: CeilingRound[];
  /** The exact command, for the report. */
  command: string;
}

function args(key: string, requests = clusterConfig.ceilingRequests): string[] {
  const { ceilingPipeline, ceilingClients } = clusterConfig;
  return [
    "redis-benchmark",
    "-h",
    "127.0.0.1",
    "-p",
    "6379",
    "-n",
    String(requests),
    "-c",
    String(ceilingClients),
    "-P",
    String(ceilingPipeline),
    "--csv",
    "XADD",
    key,
    "MAXLEN",
    "~",
    "100000",
    "*",
    "data",
    VALUE,
  ];
}

/** `redis-benchmark` inside the master's container, against that master alone. */
async function redisBenchmark(
  master: MasterNode,
  key: string,
  requests?: number,
): Promise<BenchmarkRun> {
  const { stdout } = await run("docker", ["exec", master.containerId, ...args(key, requests)], {
    timeout: 300_000,
    maxBuffer: 16 * 2 ** 20,
  });
  // CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95…","p99…","max…"
  const row = stdout
    .trim()
    .split("\n")
    .find((line) => line.startsWith('"XADD'));
  const cells = row?.match(/"[^"]*"/g)?.map((cell) => cell.slice(1, -1)) ?? [];
  const perSecond = Number(cells[1]);
  if (!Number.isFinite(perSecond)) throw new Error(`redis-benchmark printed no rate: ${stdout}`);
  return { perSecond, p50Ms: Number(cells[4]), p99Ms: Number(cells[6]) };
}

/** A key whose slot `master` serves (redis-benchmark does not follow MOVED). */
async function keyOn(deployment: Deployment, master: MasterNode): Promise<string> {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const key = `ceiling:{${attempt}}`;
    if ((await deployment.masterOf(key)).name === master.name) return key;
  }
  throw new Error(`no key found for ${master.name}`);
}

export async function benchCeiling(
  standalone: Deployment,
  cluster: Deployment,
): Promise<CeilingResult> {
  const [single] = standalone.masters;
  const [firstMaster] = cluster.masters;
  if (!single || !firstMaster) throw new Error("no masters to measure");
  const keys = await Promise.all(cluster.masters.map((master) => keyOn(cluster, master)));
  const rounds: CeilingRound[] = [];
  // Warm-up: the image's pages, the allocator.
  await redisBenchmark(single, "ceiling:{warm}", 100_000);
  await standalone.flush();
  for (let round = 0; round < clusterConfig.ceilingRounds; round++) {
    const standaloneRun = await redisBenchmark(single, "ceiling:{0}");
    await standalone.flush();
    const clusterMaster = await redisBenchmark(firstMaster, keys[0] as string);
    await cluster.flush();
    const allMasters = await Promise.all(
      cluster.masters.map((master, index) => redisBenchmark(master, keys[index] as string)),
    );
    await cluster.flush();
    rounds.push({ round, standalone: standaloneRun, clusterMaster, allMasters });
  }
  return { rounds, command: `${args("<key>").slice(0, -1).join(" ")} <530 bytes>` };
}
