/**
 * The long fault soak: `pnpm --filter @retail/bus soak`. Starts its own Redis in a
 * container, runs the soak (run.ts) and prints a summary table; exits non-zero when the
 * checker found a violation. `SOAK_SECONDS` (default 1800), `SOAK_SEED` (default: a
 * random one, printed), `SOAK_RATE` (events/s, default 100), `SOAK_WORKERS` (default 3).
 */
import { startRedisServer } from "@retail/testing";
import { runSoak, type SoakResult } from "./run.js";

const seconds = Number(process.env.SOAK_SECONDS ?? 1_800);
const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const rate = Number(process.env.SOAK_RATE ?? 100);
const workers = Number(process.env.SOAK_WORKERS ?? 3);

const redis = await startRedisServer();
const started = Date.now();
let result: SoakResult;
try {
  result = await runSoak({
    redis,
    seed,
    durationMs: seconds * 1_000,
    rate,
    keys: 50,
    workers,
    settleTimeoutMs: 300_000,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
} finally {
  await redis.dispose();
}
process.stdout.write(`${table(result, Date.now() - started)}\n`);
if (result.violations.length > 0) {
  for (const violation of result.violations.slice(0, 50))
    process.stdout.write(`VIOLATION ${violation.group} ${violation.kind}: ${violation.detail}\n`);
  process.stdout.write(`repeat with SOAK_SEED=${result.seed}\n`);
  for (const line of result.traces) process.stdout.write(`${line}\n`);
  process.exit(1);
}

function table(soak: SoakResult, wallMs: number): string {
  const rows: [string, string][] = [
    ["seed", String(soak.seed)],
    [
      "run",
      `${seconds} s of faults, ${Math.round(wallMs / 1_000)} s in all, settled in ${(soak.settledInMs / 1_000).toFixed(1)} s`,
    ],
    [
      "events published",
      `${soak.published} (${soak.publishRetries} publishes retried with their id)`,
    ],
    ...soak.groups.map((group): [string, string] => [
      `group ${group.group}`,
      `${group.handled} handled, dead letters: ${JSON.stringify(group.deadLetters)}`,
    ]),
    [
      "faults",
      Object.entries(soak.faults)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(", "),
    ],
    [
      "consumer processes",
      `${soak.consumerKills} killed by faults, ${soak.consumerCrashes} crashed by events`,
    ],
    ["dead letters replayed", String(soak.replayed)],
    ["violations", String(soak.violations.length)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    `| ${"measure".padEnd(width)} | value |`,
    `| ${"-".repeat(width)} | ----- |`,
    ...rows.map(([name, value]) => `| ${name.padEnd(width)} | ${value} |`),
  ].join("\n");
}
