/** An event the soak published (once, or again with its id after a timeout). */
export interface PublishedEvent {
  id: string;
  seq: number;
  key: string;
}

/** What one group did, read from Redis at the end. */
export interface GroupHistory {
  group: string;
  /** Per key, the seqs whose effect the group recorded, in the order it recorded them. */
  effects: ReadonlyMap<string, readonly number[]>;
  /** The event ids of the group's dead letters. */
  deadLetters: readonly string[];
  /** Whether the group promises per-key order (one consumer process, never killed). */
  ordered: boolean;
}

export interface Violation {
  group: string;
  kind: "lost" | "twice" | "handled-and-dead-lettered" | "out-of-order" | "unknown";
  detail: string;
}

/**
 * The soak's verdict, per group: every published event has exactly one effect or
 * exactly one dead letter — none lost, none twice, never both; nothing recorded that
 * was not published; and, where the group promises order, each key's effects in
 * stream order. Events that were replayed from the dead letters are exempt from the
 * order check (the replay appended them again, later in the stream).
 */
export function checkHistory(
  published: readonly PublishedEvent[],
  groups: readonly GroupHistory[],
  replayed: ReadonlySet<string>,
): Violation[] {
  const violations: Violation[] = [];
  const bySeq = new Map(published.map((event) => [event.seq, event]));
  for (const history of groups) {
    const { group } = history;
    const effectCount = new Map<number, number>();
    for (const [key, seqs] of history.effects) {
      for (const seq of seqs) {
        effectCount.set(seq, (effectCount.get(seq) ?? 0) + 1);
        const event = bySeq.get(seq);
        if (!event || event.key !== key)
          violations.push({ group, kind: "unknown", detail: `effect of seq ${seq} on key ${key}` });
      }
      if (history.ordered) {
        const inOrder = seqs.filter((seq) => !replayed.has(bySeq.get(seq)?.id ?? ""));
        for (let index = 1; index < inOrder.length; index++) {
          if ((inOrder[index] as number) < (inOrder[index - 1] as number)) {
            violations.push({
              group,
              kind: "out-of-order",
              detail: `key ${key}: seq ${inOrder[index]} after ${inOrder[index - 1]}`,
            });
          }
        }
      }
    }
    const deadLetterCount = new Map<string, number>();
    for (const id of history.deadLetters)
      deadLetterCount.set(id, (deadLetterCount.get(id) ?? 0) + 1);
    for (const event of published) {
      const effects = effectCount.get(event.seq) ?? 0;
      const deadLetters = deadLetterCount.get(event.id) ?? 0;
      const name = `seq ${event.seq} (${event.id}, key ${event.key})`;
      if (effects + deadLetters === 0)
        violations.push({ group, kind: "lost", detail: `${name}: no effect, no dead letter` });
      else if (effects > 0 && deadLetters > 0)
        violations.push({
          group,
          kind: "handled-and-dead-lettered",
          detail: `${name}: ${effects} effect(s) and ${deadLetters} dead letter(s)`,
        });
      else if (effects > 1 || deadLetters > 1)
        violations.push({
          group,
          kind: "twice",
          detail: `${name}: ${effects} effects, ${deadLetters} dead letters`,
        });
    }
    const publishedIds = new Set(published.map((event) => event.id));
    for (const id of deadLetterCount.keys())
      if (!publishedIds.has(id))
        violations.push({ group, kind: "unknown", detail: `dead letter of unknown event ${id}` });
  }
  return violations;
}
