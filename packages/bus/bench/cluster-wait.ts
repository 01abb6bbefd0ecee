/**
 * 4. What waiting for a replica costs: on a cluster with one replica per master,
 * commits (one `bench.spread` event each) with `outbox: { replicas: { replicas: 1,
 * timeoutMs } }` against the same commits without, in paired rounds: commits/s in
 * windows (and until relayed; the relay's appends wait for the replica too), and each
 * commit's confirmation time at a fixed rate.
 */
import type { RelayOptions } from "@retail/bus";
import { clusterConfig } from "./cluster-config.js";
import { type CommitRun, commitLatencyRun, commitRun, type FixedRate } from "./cluster-measure.js";
import type { Deployment } from "./cluster-nodes.js";
import { redisInfo } from "./lib.js";

export type WaitMode = "no wait" | "WAIT 1 replica";

export interface WaitRound {
  mode: WaitMode;
  round: number;
  throughput: CommitRun;
  latency: FixedRate;
}

export interface WaitResult {
  rounds: WaitRound[];
  /** Masters with a replica in sync when the section started, of all masters. */
  replicated: { synced: number; masters: number };
}

function outboxOf(mode: WaitMode): RelayOptions | undefined {
  return mode === "no wait"
    ? undefined
    : { replicas: { replicas: 1, timeoutMs: clusterConfig.waitTimeoutMs } };
}

export async function benchWait(deployment: Deployment): Promise<WaitResult> {
  const { waitCommits, waitRate, waitSeconds, waitRounds, window } = clusterConfig;
  const replication = await Promise.all(
    deployment.masters.map((master) => redisInfo(master.probe, "replication")),
  );
  const synced = replication.filter((info) => Number(info.connected_slaves ?? 0) >= 1).length;
  // Warm-up: connections, the scripts, the relay's first lease.
  for (const mode of ["no wait", "WAIT 1 replica"] as const)
    await commitRun(deployment, "bench.spread", 1_000, window, outboxOf(mode));
  const rounds: WaitRound[] = [];
  for (let round = 0; round < waitRounds; round++) {
    const order: WaitMode[] =
      round % 2 === 0 ? ["no wait", "WAIT 1 replica"] : ["WAIT 1 replica", "no wait"];
    for (const mode of order) {
      const outbox = outboxOf(mode);
      const throughput = await commitRun(deployment, "bench.spread", waitCommits, window, outbox);
      const latency = await commitLatencyRun(
        deployment,
        "bench.spread",
        waitRate,
        waitSeconds,
        outbox,
      );
      rounds.push({ mode, round, throughput, latency });
    }
  }
  return { rounds, replicated: { synced, masters: deployment.masters.length } };
}
