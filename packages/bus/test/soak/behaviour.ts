/**
 * What a soak event asks of its handler, written in the event's `note` so that every
 * consumer process, in every life, treats it alike.
 */
export type Behaviour =
  /** Handled at the first attempt. */
  | { kind: "normal" }
  /** Its first `times` attempts throw (a flaky downstream). */
  | { kind: "throw"; times: number }
  /** Its first attempt never settles: the handler timeout must end it. */
  | { kind: "hang" }
  /** Throws `NonRetryableError` until an operator "fixes the bug" (`soak:cured` ≥ its seq). */
  | { kind: "poison" }
  /** Ends its consumer process on every delivery (worker group only): it must end as `stalled`. */
  | { kind: "crash" };

export function noteOf(behaviour: Behaviour): string | undefined {
  switch (behaviour.kind) {
    case "normal":
      return undefined;
    case "throw":
      return `throw:${behaviour.times}`;
    default:
      return behaviour.kind;
  }
}

export function behaviourOf(note: string | undefined): Behaviour {
  if (note === undefined) return { kind: "normal" };
  if (note.startsWith("throw:")) return { kind: "throw", times: Number(note.slice(6)) };
  if (note === "hang" || note === "poison" || note === "crash") return { kind: note };
  return { kind: "normal" };
}

/** How often each behaviour is drawn, out of 1 000 events. */
export interface BehaviourMix {
  throw: number;
  hang: number;
  poison: number;
  crash: number;
}

export const DEFAULT_MIX: BehaviourMix = { throw: 50, hang: 10, poison: 10, crash: 1 };

/** Draw a behaviour from a random number in [0, 1). */
export function drawBehaviour(random: () => number, mix: BehaviourMix): Behaviour {
  const roll = Math.floor(random() * 1_000);
  let bound = mix.crash;
  if (roll < bound) return { kind: "crash" };
  bound += mix.poison;
  if (roll < bound) return { kind: "poison" };
  bound += mix.hang;
  if (roll < bound) return { kind: "hang" };
  bound += mix.throw;
  if (roll < bound) return { kind: "throw", times: 1 + Math.floor(random() * 3) };
  return { kind: "normal" };
}

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Where a group's effects go: one list per key, the events' seqs in handling order. */
export function effectsKey(group: string, key: string): string {
  return `{${group}}:soak:${key}`;
}
