/**
 * 1. The outbox's extra hop, on one standalone Redis: publish → handler latency through
 * `bus.publish` against `bus.commit` (outbox, then the relay), in paired rounds with
 * publisher and consumer in processes of their own; and publishes/s against commits/s
 * in windows, with the commits also timed until the relay moved the last one.
 */

import { clusterConfig } from "./cluster-config.js";
import { type CommitRun, commitRun, publishRun, type Windowed } from "./cluster-measure.js";
import type { Deployment } from "./cluster-nodes.js";
import type { LatencyResult } from "./latency-stats.js";
import { child, exited, messageOf, nextMessage } from "./lib.js";

export type HopMode = "publish" | "commit";

export interface HopLatency {
  mode: HopMode;
  round: number;
  sent: number;
  failed: number;
  /** How long the publisher waited for Redis to confirm (the outbox write, for a commit), ms. */
  confirmP50: number;
  confirmP99: number;
  result: LatencyResult;
}

export interface HopResult {
  latency: HopLatency[];
  publish: Windowed[];
  commit: CommitRun[];
}

type Ready = { type: "ready" };
type Done = { type: "done"; sent: number; failed: number; publishP50: number; publishP99: number };
type Result = { type: "result"; result: LatencyResult };

async function latencyRun(
  deployment: Deployment,
  url: string,
  mode: HopMode,
  round: number,
): Promise<HopLatency> {
  const { hopRate, hopSeconds, hopWarmupSeconds, hopConcurrency } = clusterConfig;
  await deployment.flush();
  const seconds = hopSeconds + hopWarmupSeconds;
  const total = Math.round(hopRate * seconds);
  const consumer = child("latency-consumer", [
    "bus",
    url,
    String(total),
    String(hopConcurrency),
    "on",
  ]);
  let publisher: ReturnType<typeof child> | undefined;
  try {
    await nextMessage(consumer, messageOf<Ready>("ready"), 30_000, "the latency consumer");
    publisher = child("cluster-hop-publisher", [mode, url, String(hopRate), String(seconds)]);
    const done = await nextMessage(
      publisher,
      messageOf<Done>("done"),
      (seconds * 3 + 40) * 1_000,
      "the hop publisher",
    );
    const answer = nextMessage(consumer, messageOf<Result>("result"), 30_000, "latency figures");
    consumer.send({
      type: "finish",
      sent: done.sent,
      measureFrom: Math.round(hopRate * hopWarmupSeconds),
    });
    const { result } = await answer;
    return {
      mode,
      round,
      sent: done.sent,
      failed: done.failed,
      confirmP50: done.publishP50,
      confirmP99: done.publishP99,
      result,
    };
  } finally {
    if (publisher) await exited(publisher, 5_000);
    await exited(consumer, 5_000);
    await deployment.flush();
  }
}

export async function benchHop(deployment: Deployment): Promise<HopResult> {
  const url = deployment.busConnection();
  if (typeof url !== "string") throw new Error("the outbox hop runs on a standalone server");
  const { hopRounds, hopEvents, hopThroughputRounds, window } = clusterConfig;
  const latency: HopLatency[] = [];
  for (let round = 0; round < hopRounds; round++) {
    // Alternate who goes first, so neither always gets the quieter minute.
    const order: HopMode[] = round % 2 === 0 ? ["publish", "commit"] : ["commit", "publish"];
    for (const mode of order) latency.push(await latencyRun(deployment, url, mode, round));
  }
  const publish: Windowed[] = [];
  const commit: CommitRun[] = [];
  // Warm-up: JIT, the script's load, the relay's first lease.
  await publishRun(deployment, "bench.hop", 2_000, window);
  await commitRun(deployment, "bench.hop", 2_000, window);
  for (let round = 0; round < hopThroughputRounds; round++) {
    const runPublish = async () => {
      publish.push(await publishRun(deployment, "bench.hop", hopEvents, window));
    };
    const runCommit = async () => {
      commit.push(await commitRun(deployment, "bench.hop", hopEvents, window));
    };
    if (round % 2 === 0) {
      await runPublish();
      await runCommit();
    } else {
      await runCommit();
      await runPublish();
    }
  }
  return { latency, publish, commit };
}
