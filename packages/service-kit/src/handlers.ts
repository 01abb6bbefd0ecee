import type { Bus, Handler, SubscribeOptions } from "@retail/bus";
import type { Catalog, RetailCatalog, TopicName } from "@retail/contracts";
import type { HandlerEntry, Handlers } from "./service-types.js";

/**
 * One handler for several topics, as `Handlers` entries to spread into a service's
 * `handlers`: `{ ...forTopics(["shipment.created", "shipment.failed"], onShipment) }`.
 * The handler's event payload is typed as the union of those topics' payloads, so a
 * field it reads must be in all of them. Building `handlers` with `Object.fromEntries`
 * instead would lose the check that each handler fits its topic. With another catalog,
 * name it: `forTopics<MyCatalog>(…)` (the event is then typed by all its topics).
 */
export function forTopics<
  C extends Catalog = RetailCatalog,
  const T extends TopicName<C> = TopicName<C>,
>(topics: readonly T[], handle: Handler<C, T>, options?: SubscribeOptions): Handlers<C> {
  const entry = options === undefined ? { handle } : { handle, options };
  // Each entry fits its topic: a handler of the union of payloads takes any one of them.
  return Object.fromEntries(topics.map((topic) => [topic, entry])) as unknown as Handlers<C>;
}

/** Subscribe each entry of `handlers` on `bus`, with its options when it has some. */
export function subscribeHandlers<C extends Catalog>(bus: Bus<C>, handlers: Handlers<C>): void {
  type Entry = Handler<C, never> | HandlerEntry<C, never>;
  for (const [topic, entry] of Object.entries(handlers) as [never, Entry | undefined][]) {
    if (entry === undefined) continue;
    if (typeof entry === "function") bus.subscribe(topic, entry);
    else bus.subscribe(topic, entry.handle, entry.options);
  }
}
