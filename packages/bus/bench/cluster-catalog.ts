/**
 * The cluster benchmark's topics and its one service script. The events are the bus
 * benchmark's (bench/catalog.ts, about 200 bytes of JSON); the topics keep every entry
 * (a run counts them with `XLEN`) and `bench.spread` has enough partitions for each
 * master of a cluster to hold several.
 */
import { type Bus, defineScript } from "@retail/bus";
import {
  type Catalog,
  defineCatalog,
  defineTopic,
  type PayloadInputOf,
  type TopicName,
} from "@retail/contracts";
import { z } from "zod";
import { clusterConfig } from "./cluster-config.js";

const event = z.object({
  orderId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  sentAtUs: z.number().nonnegative(),
  note: z.string(),
});

/** The consumer group of section 2's drain. */
export const SPREAD_GROUP = "bench-worker";

export const clusterCatalog = defineCatalog(
  defineTopic({
    name: "bench.hop",
    version: 1,
    description: "one partition: what the outbox adds, measured alone",
    schema: event,
    publisher: "bench",
    consumers: [SPREAD_GROUP],
    partitionKey: "orderId",
    retention: { maxLength: 100_000_000 },
  }),
  defineTopic({
    name: "bench.spread",
    version: 1,
    description: "partitions spread over a cluster's masters",
    schema: event,
    publisher: "bench",
    consumers: [SPREAD_GROUP],
    partitionKey: "orderId",
    partitions: clusterConfig.partitions,
    retention: { maxLength: 100_000_000 },
  }),
);

export type ClusterCatalog = typeof clusterCatalog;

const EMIT = defineScript<{ emitted: number }>(new URL("./cluster-emit.lua", import.meta.url));

/**
 * `bus.commit` of a step that only emits one event: what a service's script does
 * besides its own writes. Resolves once the event is in the service's outbox.
 */
export function commitEvent<C extends Catalog, T extends TopicName<C>>(
  bus: Bus<C>,
  topic: T,
  payload: PayloadInputOf<C, T>,
): Promise<unknown> {
  return bus.commit(EMIT, (step) => ({ events: [step.event(topic, payload)] }));
}
