import { type Bus, defineScript, type RedisClient } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { keys } from "../keys.js";
import type { AlertBook, AlertInput } from "./alerts.js";

export interface DeadLetterCount {
  topic: string;
  group: string;
  count: number;
  /** Entries trimmed from the topic before the group handled them: lost to it. */
  lost: number;
}

const COMPARE_AND_RAISE = defineScript<{ outcome: "stale" | "stored" | "raised" }>(
  new URL("./compare-and-raise.lua", import.meta.url),
);

/** Every topic's dead letters (and entries lost to trimming) per consumer group. */
export async function deadLetterCounts(bus: Bus<RetailCatalog>): Promise<DeadLetterCount[]> {
  return (await bus.admin.allGroups()).map(({ topic, group, deadLetters, trimmed }) => ({
    topic,
    group,
    count: deadLetters,
    lost: trimmed,
  }));
}

/** A count the watch follows per topic and group, and the alert it raises when it grows. */
interface Measure {
  /** Part of the hash field, beside topic and group ("" for dead letters, as before). */
  name: string;
  of: (row: DeadLetterCount) => number;
  alert: (row: DeadLetterCount, previous: number, now: number) => AlertInput;
}

const MEASURES: Measure[] = [
  {
    name: "",
    of: (row) => row.count,
    alert: ({ topic, group }, previous, now) => ({
      kind: "dead_letters_growing",
      severity: "critical",
      subject: topic,
      message: `Dead letters of ${topic} in group ${group} grew from ${previous} to ${now}`,
    }),
  },
  {
    name: "lost",
    of: (row) => row.lost,
    alert: ({ topic, group }, previous, now) => ({
      kind: "events_lost_to_trimming",
      severity: "critical",
      subject: topic,
      message: `${now - previous} events of ${topic} were trimmed before group ${group} handled them (${now} in all): raise the topic's retention or speed the group up`,
    }),
  },
];

/**
 * The periodic check behind the `dead_letters_growing` and `events_lost_to_trimming`
 * alerts: compares each topic/group's dead-letter count, and its count of entries lost
 * to trimming, with the last one seen (kept in Redis, shared by the instances) and
 * raises one alert per increase.
 */
export class DeadLetterWatch {
  constructor(
    private readonly redis: RedisClient,
    private readonly bus: Bus<RetailCatalog>,
    private readonly alerts: AlertBook,
    private readonly now: () => number,
  ) {}

  /** Resolves to how many alerts this call raised. */
  async check(now = new Date(this.now())): Promise<number> {
    const rows = await deadLetterCounts(this.bus);
    const watched = MEASURES.flatMap((measure) =>
      rows
        // a group that never lost anything needs no field for it
        .filter((row) => measure.name === "" || measure.of(row) > 0)
        .map((row) => ({ row, measure })),
    );
    if (watched.length === 0) return 0;
    const fields = watched.map(({ row: { topic, group }, measure }) =>
      JSON.stringify(measure.name === "" ? [topic, group] : [topic, group, measure.name]),
    );
    const seen = await this.redis.hmget(keys.deadLettersSeen, ...fields);
    let raised = 0;
    for (const [index, { row, measure }] of watched.entries()) {
      const field = fields[index] as string;
      const count = measure.of(row);
      const previous = seen[index] ?? null;
      if (previous !== null && Number(previous) === count) continue;
      const grew = count > Number(previous ?? 0);
      const { outcome } = await this.bus.commit(COMPARE_AND_RAISE, (step) => ({
        seen: step.key(keys.deadLettersSeen),
        field,
        expected: previous ?? "",
        count: String(count),
        ...(grew && {
          alert: this.alerts.raiseIn(step, measure.alert(row, Number(previous ?? 0), count), now),
        }),
      }));
      if (outcome === "raised") raised += 1;
    }
    return raised;
  }
}
