import { defineCatalog, defineTopic } from "@retail/contracts";
import { z } from "zod";

const orderEvent = z.object({
  orderId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  note: z.string().optional(),
});

/** Topics for the bus's own tests: "tester" publishes, "worker" (and others) consume. */
export const catalog = defineCatalog(
  defineTopic({
    name: "test.order-placed",
    version: 1,
    description: "an order event for tests",
    schema: orderEvent,
    publisher: "tester",
    // "worker-replica" and the start-position groups are the groups tests subscribe with
    consumers: ["worker", "auditor", "worker-replica", "beginning", "time", "new"],
    partitionKey: "orderId",
  }),
  defineTopic({
    name: "test.partitioned",
    version: 1,
    description: "a topic split into four partition streams",
    schema: orderEvent,
    publisher: "tester",
    consumers: ["worker"],
    partitions: 4,
    partitionKey: "orderId",
  }),
  defineTopic({
    name: "test.capped",
    version: 1,
    description: "trimmed to about 10 entries",
    schema: orderEvent,
    publisher: "tester",
    consumers: ["worker"],
    retention: { maxLength: 10 },
  }),
  defineTopic({
    name: "test.aged",
    version: 1,
    description: "trimmed to about a minute of entries",
    schema: orderEvent,
    publisher: "tester",
    consumers: ["worker"],
    retention: { maxAgeMs: 60_000 },
  }),
  defineTopic({
    name: "test.soak",
    version: 1,
    description: "the fault soak's topic: two groups, four partitions, ordered by key",
    schema: orderEvent,
    publisher: "tester",
    consumers: ["worker", "auditor"],
    partitions: 4,
    partitionKey: "orderId",
  }),
  defineTopic({
    name: "test.fragile",
    version: 1,
    description: "a schema whose transform throws on note 'throw' (a bug in a contract)",
    schema: orderEvent.transform((event) => {
      if (event.note === "throw") throw new Error("the transform broke");
      return event;
    }),
    publisher: "tester",
    consumers: ["worker"],
  }),
  defineTopic({
    name: "test.order-short",
    version: 1,
    description: "an order refused for lines short of stock: what a script fills in",
    schema: z.object({
      orderId: z.string().min(1),
      reason: z.enum(["out_of_stock", "discontinued"]),
      lines: z
        .array(
          z.object({
            sku: z.string().min(1),
            requested: z.number().int().positive(),
            available: z.number().int().nonnegative(),
          }),
        )
        .min(1),
    }),
    publisher: "tester",
    consumers: ["worker"],
    partitionKey: "orderId",
  }),
  defineTopic({
    name: "test.order-handled",
    version: 1,
    description: "published by the worker in reaction to test.order-placed",
    schema: orderEvent,
    publisher: "worker",
    consumers: ["tester"],
    partitionKey: "orderId",
  }),
);

export type TestCatalog = typeof catalog;

/**
 * `test.order-placed` after a breaking change: version 2, whose `seq` is a string that
 * version 1's schema refuses. A publisher or consumer deployed after the change.
 */
export const catalogV2 = defineCatalog(
  defineTopic({
    ...catalog["test.order-placed"],
    version: 2,
    schema: orderEvent.extend({ seq: z.string().min(1) }),
    partitionKey: "orderId",
  }),
  catalog["test.order-handled"],
);

export type TestCatalogV2 = typeof catalogV2;
