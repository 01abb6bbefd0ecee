/**
 * The Redis Cluster benchmark (issue #15): `pnpm --filter @retail/bus bench:cluster`.
 * Starts a standalone Redis, a cluster of BENCH_CLUSTER_MASTERS masters and one with a
 * replica per master (redis:7-bookworm containers through @retail/testing), runs the
 * four sections in paired rounds, prints the tables, removes every container.
 * BENCH_QUICK=1 is a smoke run of under a minute; BENCH_CLUSTER_ONLY=hop,spread,ceiling,wait
 * picks sections. Sizes: bench/cluster-config.ts. See BENCHMARKS.md, "Redis Cluster".
 */
import { loadavg } from "node:os";
import {
  type RedisCluster,
  type RedisServer,
  startRedisCluster,
  startRedisServer,
} from "@retail/testing";
import { benchCeiling, type CeilingResult } from "./cluster-ceiling.js";
import { clusterConfig } from "./cluster-config.js";
import { benchHop, type HopResult } from "./cluster-hop.js";
import { clusterDeployment, type Deployment, standaloneDeployment } from "./cluster-nodes.js";
import {
  ceilingTable,
  hopLatencySummary,
  hopLatencyTable,
  hopThroughputTable,
  spreadShareTable,
  spreadThroughputTable,
  waitTable,
} from "./cluster-report.js";
import { slotSpreadTable } from "./cluster-slots.js";
import { benchSpread, type SpreadRound } from "./cluster-spread.js";
import { benchWait, type WaitResult } from "./cluster-wait.js";
import {
  cpuTicks,
  formatMs,
  formatRate,
  machine,
  median,
  pingRoundTrip,
  stolenShare,
  table,
} from "./lib.js";

const print = (text = "") => process.stdout.write(`${text}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ");
const { sections, masters } = clusterConfig;

print(`# @retail/bus cluster benchmark${clusterConfig.quick ? " (BENCH_QUICK=1)" : ""}`);
const started = performance.now();
const ticksAtStart = await cpuTicks();

// Everything started is disposed on the way out, whatever happens: Ctrl-C included.
const owned: (RedisServer | RedisCluster)[] = [];
const deployments: Deployment[] = [];
async function disposeAll(): Promise<void> {
  for (const deployment of deployments) deployment.close();
  await Promise.allSettled(owned.map((container) => container.dispose()));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void disposeAll().finally(() => process.exit(130));
  });
}
function own<T extends RedisServer | RedisCluster>(starting: Promise<T>): Promise<T> {
  return starting.then((started) => {
    owned.push(started);
    return started;
  });
}

const needStandalone = sections.has("hop") || sections.has("spread") || sections.has("ceiling");
const needCluster = sections.has("spread") || sections.has("ceiling");
const needReplicated = sections.has("wait");
// All at once: starting them is most of a quick run's minute.
const [serverStart, clusterStart, replicatedStart] = await Promise.allSettled([
  needStandalone ? own(startRedisServer({ persistence: "none" })) : Promise.resolve(undefined),
  needCluster ? own(startRedisCluster({ masters })) : Promise.resolve(undefined),
  needReplicated
    ? own(startRedisCluster({ masters, replicasPerMaster: 1 }))
    : Promise.resolve(undefined),
]);

let hop: HopResult | undefined;
let spread: SpreadRound[] | undefined;
let ceiling: CeilingResult | undefined;
let wait: WaitResult | undefined;
const skipped: string[] = [];
try {
  for (const [what, start] of [
    ["standalone Redis", serverStart],
    ["Redis Cluster", clusterStart],
    ["Redis Cluster with replicas", replicatedStart],
  ] as const) {
    if (start.status === "rejected") {
      print(`could not start ${what}: ${(start.reason as Error).message}`);
      if (what !== "Redis Cluster with replicas") throw start.reason;
    }
  }
  const server = serverStart.status === "fulfilled" ? serverStart.value : undefined;
  const cluster = clusterStart.status === "fulfilled" ? clusterStart.value : undefined;
  const replicatedCluster =
    replicatedStart.status === "fulfilled" ? replicatedStart.value : undefined;
  const standalone = server ? await standaloneDeployment(server) : undefined;
  const spreadCluster = cluster
    ? await clusterDeployment(cluster, `cluster, ${masters} masters`)
    : undefined;
  const replicated = replicatedCluster
    ? await clusterDeployment(
        replicatedCluster,
        `cluster, ${masters} masters + ${masters} replicas`,
      )
    : undefined;
  for (const deployment of [standalone, spreadCluster, replicated])
    if (deployment) deployments.push(deployment);
  const [first] = deployments;
  if (!first?.masters[0]) throw new Error("nothing to measure");

  const host = await machine(first.masters[0].probe, "none");
  const facts: string[][] = [
    ["machine", ""],
    ["CPU", `${host.cpu}, ${host.cores} cores (shared by every container and this process)`],
    ["memory", host.memory],
    ["Node.js", host.node],
    ["Redis", `${host.redis}; cluster nodes: cluster-enabled, the same image and persistence`],
    ["load average (1/5/15 min) at start", load()],
  ];
  if (standalone) facts.push(["route to Redis", standalone.route]);
  for (const deployment of deployments) {
    const [master] = deployment.masters;
    if (!master) continue;
    const trip = await pingRoundTrip(master.probe);
    facts.push([
      `${deployment.label}: round trip to ${master.name}`,
      `${trip.wallUs.toFixed(0)} µs, of which client CPU ${trip.cpuUs.toFixed(0)} µs`,
    ]);
  }
  print();
  print(table(facts));

  if (sections.has("hop") && standalone) {
    const { hopRate, hopSeconds, hopWarmupSeconds, hopConcurrency, hopEvents, window } =
      clusterConfig;
    print(
      `\n## 1. the outbox's extra hop (standalone Redis): publish → handler latency at ${hopRate.toLocaleString("en-US")} events/s for ${hopSeconds} s after ${hopWarmupSeconds} s warm-up, publisher and consumer (concurrency ${hopConcurrency}) in processes of their own`,
    );
    hop = await benchHop(standalone);
    print(hopLatencyTable(hop));
    const summary = hopLatencySummary(hop);
    print(
      `median of rounds: publish p50 ${formatMs(summary.publishP50)}, p99 ${formatMs(summary.publishP99)}; commit p50 ${formatMs(summary.commitP50)}, p99 ${formatMs(summary.commitP99)}; the hop adds (commit − publish, same round, median) ${formatMs(summary.addedP50)} at p50, ${formatMs(summary.addedP99)} at p99`,
    );
    print(
      `\nthroughput: ${hopEvents.toLocaleString("en-US")} events per round, ${window} calls in flight, ${clusterConfig.hopThroughputRounds} paired rounds; a commit is one script with one event`,
    );
    print(hopThroughputTable(hop));
  }

  if (sections.has("spread") && standalone && spreadCluster) {
    const { spreadEvents, partitions, spreadConcurrency, window, spreadRounds } = clusterConfig;
    print(
      `\n## 2. 1 master vs ${masters} masters: ${spreadEvents.toLocaleString("en-US")} events published (${window} in flight) to a topic of ${partitions} partitions, then consumed + acked by one bus (concurrency ${spreadConcurrency}, ${Math.ceil(spreadConcurrency / partitions)} per partition, processed marks on); ${spreadRounds} paired rounds`,
    );
    spread = await benchSpread([standalone, spreadCluster]);
    print(spreadThroughputTable(spread));
    print(
      "\nwhere it went, per master (keys and entries after a round; Redis CPU summed over the rounds):",
    );
    print(spreadShareTable(spread));
    print(
      "\nhow this cluster's slot ranges spread partition streams (each `{topic:n}` is its own hash tag):",
    );
    print(await slotSpreadTable(spreadCluster, "bench.spread"));
  }

  if (sections.has("ceiling") && standalone && spreadCluster) {
    print(
      `\n## 3. per-master ceiling: redis-benchmark inside the node's container, XADD of ~530 bytes to one key`,
    );
    ceiling = await benchCeiling(standalone, spreadCluster);
    const report = ceilingTable(ceiling);
    print(report.text);
    print(`command: ${ceiling.command}`);
    print(
      `projection ${formatRate(report.ceiling * report.masters)} = one master's ceiling × ${report.masters}, for masters on cores (hosts) of their own. Measured here, all at once: ${formatRate(report.together)} (${(report.together / report.ceiling).toFixed(2)}× one master). On this VM every master, every redis-benchmark client and this process share ${host.cores} cores: ${masters} masters cannot add capacity the cores do not have.`,
    );
    if (spread) {
      const busPublish = median(
        spread
          .filter((round) => round.deployment === standalone.label)
          .map((round) => round.publish.perSecond),
      );
      print(
        `the bus's own publish (section 2, one Node process, standalone) reached ${formatRate(busPublish)}: ${((100 * busPublish) / report.standalone).toFixed(0)}% of the standalone ceiling. The client process, not Redis, limits a single bus.`,
      );
    }
  }

  if (sections.has("wait")) {
    if (replicated) {
      const { waitCommits, waitRate, waitSeconds, waitRounds, window } = clusterConfig;
      print(
        `\n## 4. WAIT cost (${masters} masters + ${masters} replicas): ${waitCommits.toLocaleString("en-US")} commits (one bench.spread event each, ${window} in flight), then ${waitRate}/s for ${waitSeconds} s; ${waitRounds} paired rounds`,
      );
      wait = await benchWait(replicated);
      print(waitTable(wait));
      print(
        `replicas in sync at the start: ${wait.replicated.synced} of ${wait.replicated.masters} masters. With WAIT the commit goes out on a connection of its own (WAIT blocks it until the replica answers), so one bus's commits wait one after another.`,
      );
    } else {
      const reason =
        replicatedStart.status === "rejected"
          ? `the replicated cluster did not start: ${(replicatedStart.reason as Error).message}`
          : "no replicated cluster";
      skipped.push(`4. WAIT cost: ${reason}`);
      print(`\n## 4. WAIT cost: skipped (${reason})`);
    }
  }

  print(
    `\nload average at end: ${load()}; CPU time taken by the hypervisor (steal) during the run: ${stolenShare(ticksAtStart, await cpuTicks())}; whole run ${((performance.now() - started) / 1_000).toFixed(0)} s${skipped.length > 0 ? `; skipped: ${skipped.join("; ")}` : ""}`,
  );
} finally {
  await disposeAll();
}
