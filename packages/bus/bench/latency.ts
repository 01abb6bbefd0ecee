/**
 * 3. Publish → handler latency at a fixed rate, publisher and consumer in separate
 * processes, bus vs a raw `XREADGROUP BLOCK` loop, with and without
 * `--max-semi-space-size` (given to both processes, as NODE_OPTIONS would).
 */
import type { Redis } from "ioredis";
import { config } from "./config.js";
import type { LatencyResult } from "./latency-stats.js";
import { child, exited, messageOf, nextMessage } from "./lib.js";

export interface LatencyRun {
  mode: "bus" | "raw";
  /** The bus consumer checks and records processed marks (its default); always true for raw. */
  idempotency: boolean;
  /** The bus consumer's handler slots (for raw: unused; it reads `COUNT 100`). */
  concurrency: number;
  /** `--max-semi-space-size` in MB; 0 for none (Node's default). */
  semiSpaceMb: number;
  /** Which paired bus + raw round at this flag (0 unless it is the shipped flag). */
  round: number;
  sent: number;
  failed: number;
  /** Publisher side: how long Redis took to confirm a publish (p50, p99), ms. */
  publishP50: number;
  publishP99: number;
  result: LatencyResult;
}

type Ready = { type: "ready" };
type Done = { type: "done"; sent: number; failed: number; publishP50: number; publishP99: number };
type Result = { type: "result"; result: LatencyResult };

async function latencyRun(
  admin: Redis,
  url: string,
  mode: "bus" | "raw",
  semiSpaceMb: number,
  { idempotency = true, concurrency = config.latencyConcurrency, round = 0 } = {},
): Promise<LatencyRun> {
  const { latencyRate, latencySeconds, latencyWarmupSeconds } = config;
  await admin.flushall();
  const seconds = latencySeconds + latencyWarmupSeconds;
  const total = Math.round(latencyRate * seconds);
  const flags = semiSpaceMb > 0 ? [`--max-semi-space-size=${semiSpaceMb}`] : [];
  const consumer = child(
    "latency-consumer",
    [mode, url, String(total), String(concurrency), idempotency ? "on" : "off"],
    flags,
  );
  let publisher: ReturnType<typeof child> | undefined;
  try {
    await nextMessage(consumer, messageOf<Ready>("ready"), 30_000, "the latency consumer");
    publisher = child(
      "latency-publisher",
      [mode, url, String(latencyRate), String(seconds)],
      flags,
    );
    const done = await nextMessage(
      publisher,
      messageOf<Done>("done"),
      (seconds * 3 + 30) * 1_000,
      "the latency publisher",
    );
    const measureFrom = Math.round(latencyRate * latencyWarmupSeconds);
    const answer = nextMessage(consumer, messageOf<Result>("result"), 30_000, "latency figures");
    consumer.send({ type: "finish", sent: done.sent, measureFrom });
    const { result } = await answer;
    const { sent, failed, publishP50, publishP99 } = done;
    return {
      mode,
      idempotency,
      concurrency,
      semiSpaceMb,
      round,
      sent,
      failed,
      publishP50,
      publishP99,
      result,
    };
  } finally {
    if (publisher) await exited(publisher, 5_000);
    await exited(consumer, 5_000);
  }
}

/** The flag the service images ship (16 MB, as in infra/Dockerfile), or the first one tried. */
export const shippedSemiSpace = config.semiSpaces.includes(16) ? 16 : config.semiSpaces[0];

export async function benchLatency(admin: Redis, url: string): Promise<LatencyRun[]> {
  const runs: LatencyRun[] = [];
  for (const semiSpaceMb of config.semiSpaces) {
    const rounds = semiSpaceMb === shippedSemiSpace ? config.latencyRounds : 1;
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so neither always gets the quieter minute.
      const order = round % 2 === 0 ? (["bus", "raw"] as const) : (["raw", "bus"] as const);
      for (const mode of order)
        runs.push(await latencyRun(admin, url, mode, semiSpaceMb, { round }));
    }
  }
  // At the shipped flag: what the processed-mark check (one round trip per batch) adds,
  // and what the subscription's default concurrency (16) costs when the consumer
  // catches up after a pause.
  if (shippedSemiSpace !== undefined) {
    runs.push(await latencyRun(admin, url, "bus", shippedSemiSpace, { idempotency: false }));
    if (config.latencyConcurrency !== 16)
      runs.push(await latencyRun(admin, url, "bus", shippedSemiSpace, { concurrency: 16 }));
  }
  return runs;
}
