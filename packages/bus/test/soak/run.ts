/**
 * The fault soak, a checker in the spirit of Jepsen: consumer processes of two groups
 * handle a partitioned topic while a publisher appends to it and a fault schedule,
 * drawn from a seed, kills and restarts consumers, pauses and cuts Redis clients,
 * restarts Redis (AOF, fsync always) and replays dead letters; handlers throw, hang,
 * refuse poison and crash their process, as each event's note says. At the end the
 * history is checked (checker.ts). The same seed draws the same events and faults;
 * what the machine's timing does with them differs from run to run.
 *
 * Groups: `worker` (several processes, killed and restarted: at-least-once with one
 * effect, no order across processes) and `auditor` (one process, never killed: per-key
 * order is promised, so it is checked too).
 */
import { setTimeout as delay } from "node:timers/promises";
import type { RedisServer } from "@retail/testing";
import { pino } from "pino";
import { partitionStreams } from "../../src/admin-streams.js";
import { createBus, PublishTimeoutError } from "../../src/index.js";
import { ensureGroup } from "../../src/reader.js";
import { catalog } from "../fixtures-catalog.js";
import {
  type BehaviourMix,
  DEFAULT_MIX,
  drawBehaviour,
  effectsKey,
  noteOf,
  seededRandom,
} from "./behaviour.js";
import { checkHistory, type GroupHistory, type PublishedEvent, type Violation } from "./checker.js";
import { Fleet } from "./fleet.js";

export interface SoakOptions {
  redis: RedisServer;
  seed: number;
  /** How long events are published and faults injected. */
  durationMs: number;
  /** Events a second the publisher aims at. */
  rate: number;
  /** Partition keys the events spread over. */
  keys: number;
  /** Processes of the `worker` group. */
  workers: number;
  /** Longest wait, after the faults stop, for every event to be handled or dead-lettered. */
  settleTimeoutMs: number;
  mix?: BehaviourMix;
  log?: (line: string) => void;
}

export type FaultKind =
  | "kill-worker"
  | "client-pause"
  | "client-kill"
  | "redis-restart"
  | "dlq-replay";

export interface GroupSummary {
  group: string;
  handled: number;
  deadLetters: Record<string, number>;
}

export interface SoakResult {
  seed: number;
  published: number;
  /** Publishes retried with their event id after a timeout (in doubt). */
  publishRetries: number;
  groups: GroupSummary[];
  faults: Record<FaultKind, number>;
  consumerKills: number;
  consumerCrashes: number;
  replayed: number;
  settledInMs: number;
  violations: Violation[];
  /** With SOAK_TRACE set in the consumers' environment: how each out-of-order key's events were handled. */
  traces: string[];
}

const FAULTS: FaultKind[] = [
  "kill-worker",
  "kill-worker",
  "client-pause",
  "client-kill",
  "redis-restart",
  "dlq-replay",
];

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { redis, seed, log = () => {} } = options;
  const random = seededRandom(seed);
  const fleet = new Fleet(redis.url, () => 300 + Math.floor(random() * 1_200));
  const tester = createBus({
    service: "tester",
    catalog,
    redis: redis.url,
    logger: pino({ level: "silent" }),
    publishTimeoutMs: 2_000,
  });
  const flags = redis.client({ maxRetriesPerRequest: null });
  const published: PublishedEvent[] = [];
  const replayed = new Set<string>();
  const faults = Object.fromEntries(FAULTS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  let publishRetries = 0;
  try {
    // Groups exist before the first event, so that none is missed.
    for (const { stream } of partitionStreams(catalog["test.soak"]))
      for (const group of ["worker", "auditor"]) await ensureGroup(flags, stream, group, "$");
    await fleet.add("auditor", "auditor");
    for (let index = 0; index < options.workers; index += 1)
      await fleet.add("worker", `worker-${index}`);
    log(
      `soak seed ${seed}: ${options.workers} worker processes, 1 auditor, ${options.rate} events/s`,
    );

    const until = Date.now() + options.durationMs;
    const publishing = publishUntil(
      until,
      async (seq) => {
        const behaviour = drawBehaviour(random, options.mix ?? DEFAULT_MIX);
        const key = `key-${Math.floor(random() * options.keys)}`;
        const payload = { orderId: key, seq, note: noteOf(behaviour) };
        let eventId: string | undefined;
        for (;;) {
          try {
            const envelope = await tester.publish("test.soak", payload, eventId ? { eventId } : {});
            published.push({ id: envelope.id, seq, key });
            return;
          } catch (error) {
            if (!(error instanceof PublishTimeoutError)) throw error;
            // In doubt: the first attempt may still land; the retry keeps its id.
            eventId = error.eventId;
            publishRetries += 1;
          }
        }
      },
      options.rate,
    );

    while (Date.now() < until) {
      await delay(1_500 + Math.floor(random() * 2_500));
      if (Date.now() >= until) break;
      const kind = FAULTS[Math.floor(random() * FAULTS.length)] as FaultKind;
      faults[kind] += 1;
      log(`fault: ${kind}`);
      await inject(kind);
    }
    await publishing;
    const settleStart = Date.now();
    await settle();
    const settledInMs = Date.now() - settleStart;
    await fleet.stop();

    const histories = [await historyOf("worker", false), await historyOf("auditor", true)];
    const violations = checkHistory(published, histories, replayed);
    const traces: string[] = [];
    for (const violation of violations.filter(({ kind }) => kind === "out-of-order")) {
      const key = /key (\S+):/.exec(violation.detail)?.[1] ?? "";
      traces.push(...(await flags.lrange(`${effectsKey(violation.group, key)}:trace`, 0, -1)));
    }
    return {
      seed,
      published: published.length,
      publishRetries,
      groups: await Promise.all(histories.map(summaryOf)),
      faults,
      consumerKills: fleet.kills,
      consumerCrashes: fleet.crashes,
      replayed: replayed.size,
      settledInMs,
      violations,
      traces,
    };
  } finally {
    await fleet.stop();
    flags.disconnect();
    await tester.close();
  }

  async function inject(kind: FaultKind): Promise<void> {
    switch (kind) {
      case "kill-worker": {
        const members = fleet.members("worker");
        fleet.kill(members[Math.floor(random() * members.length)] as number);
        return;
      }
      case "client-pause":
        await flags.call("CLIENT", "PAUSE", 300 + Math.floor(random() * 1_200), "ALL");
        return;
      case "client-kill":
        await redis.killClients("normal");
        return;
      case "redis-restart":
        await redis.restart(random() < 0.5 ? "kill" : "graceful");
        return;
      case "dlq-replay": {
        // the bug is fixed for everything published so far, then every dead letter is replayed
        await flags.set("soak:cured", String(published.length));
        const letters = await tester.admin.listDeadLetters("test.soak", { count: 1_000_000 });
        for (const letter of letters) if (letter.fields.id) replayed.add(letter.fields.id);
        await tester.admin.replayDeadLetters("test.soak");
      }
    }
  }

  /** Wait until each group has handled or dead-lettered every event and holds nothing pending. */
  async function settle(): Promise<void> {
    const deadline = Date.now() + options.settleTimeoutMs;
    for (;;) {
      const groups = await tester.admin.groups("test.soak");
      const idle = ["worker", "auditor"].every((name) => {
        const stats = groups.find((group) => group.group === name);
        return stats !== undefined && stats.pending === 0 && stats.lag === 0;
      });
      if (idle) return;
      if (Date.now() > deadline) {
        log(
          `not settled: ${JSON.stringify(groups.map(({ group, pending, parked, lag }) => ({ group, pending, parked, lag })))}`,
        );
        return;
      }
      await delay(500);
    }
  }

  async function historyOf(group: string, ordered: boolean): Promise<GroupHistory> {
    const effects = new Map<string, number[]>();
    for (let index = 0; index < options.keys; index += 1) {
      const key = `key-${index}`;
      const seqs = await flags.lrange(effectsKey(group, key), 0, -1);
      if (seqs.length > 0) effects.set(key, seqs.map(Number));
    }
    const letters = await tester.admin.listDeadLetters("test.soak", { group, count: 1_000_000 });
    return {
      group,
      effects,
      deadLetters: letters.map((letter) => letter.fields.id ?? ""),
      ordered,
    };
  }

  async function summaryOf(history: GroupHistory): Promise<GroupSummary> {
    const letters = await tester.admin.listDeadLetters("test.soak", {
      group: history.group,
      count: 1_000_000,
    });
    const deadLetters: Record<string, number> = {};
    for (const letter of letters)
      deadLetters[letter.reason] = (deadLetters[letter.reason] ?? 0) + 1;
    const handled = [...history.effects.values()].reduce((sum, seqs) => sum + seqs.length, 0);
    return { group: history.group, handled, deadLetters };
  }
}

/**
 * Publish one event at a time, `rate` a second on average, until `until` (epoch ms).
 * Sequential, so that each key's events enter the streams in seq order.
 */
async function publishUntil(
  until: number,
  publishOne: (seq: number) => Promise<void>,
  rate: number,
): Promise<void> {
  const start = Date.now();
  for (let seq = 0; Date.now() < until; seq += 1) {
    await publishOne(seq);
    const ahead = start + ((seq + 1) * 1_000) / rate - Date.now();
    if (ahead > 0) await delay(ahead);
  }
}
