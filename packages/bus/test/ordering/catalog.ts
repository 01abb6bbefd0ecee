import { defineCatalog, defineTopic } from "@retail/contracts";
import { z } from "zod";

/**
 * The topic of the per-key-order tests: six partitions, so that three instances get two
 * each and two get three; "tester" publishes, the group "ordered" consumes.
 */
export const orderedCatalog = defineCatalog(
  defineTopic({
    name: "test.ordered",
    version: 1,
    description: "events of 50 keys, to be handled per key in stream order across instances",
    schema: z.object({
      orderId: z.string().min(1),
      seq: z.number().int().nonnegative(),
    }),
    publisher: "tester",
    consumers: ["ordered"],
    partitions: 6,
    partitionKey: "orderId",
  }),
);

export type OrderedCatalog = typeof orderedCatalog;
