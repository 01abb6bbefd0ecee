import type { Catalog, PayloadInputOf, TopicName } from "@retail/contracts";
import {
  type Bus,
  type Duplicate,
  defineScript,
  type Envelope,
  type HandlerContext,
  type Step,
  type StepEventOptions,
} from "../src/index.js";

/** What the test script `apply.lua` answers. */
export interface Applied {
  outcome: "applied";
  emitted: number;
}

const APPLY = defineScript<Applied>(new URL("./scripts/apply.lua", import.meta.url));

/** A Redis command for `apply.lua`: its name, its key, its other arguments. */
export type Call = [command: string, key: string, ...args: (string | number)[]];

/** An event for `apply.lua` to emit. */
export type EventSpec<C extends Catalog, T extends TopicName<C> = TopicName<C>> = [
  topic: T,
  payload: PayloadInputOf<C, T>,
  options?: StepEventOptions,
];

/**
 * Commit `calls` and `events` in one step through `bus.commit`, as a service's script
 * would; with `cause`, as a handler of that event (its processed mark included, unless
 * `unhandled`).
 */
export async function apply<C extends Catalog>(
  bus: Bus<C>,
  effects: { calls?: Call[]; events?: EventSpec<C>[]; unhandled?: boolean },
  cause?: HandlerContext<C>,
): Promise<{ reply: Applied | Duplicate; events: Envelope[] }> {
  const events: Envelope[] = [];
  const build = (step: Step<C>) => ({
    unhandled: effects.unhandled === true,
    calls: (effects.calls ?? []).map(([command, key, ...args]) => [
      command,
      step.key(key),
      ...args,
    ]),
    events: (effects.events ?? []).map(([topic, payload, options]) => {
      const event = step.event(topic, payload, options);
      events.push(event.envelope);
      return event;
    }),
  });
  const reply = await (cause ? bus.commit(APPLY, build, { cause }) : bus.commit(APPLY, build));
  return { reply, events };
}
