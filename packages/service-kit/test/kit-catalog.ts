import { defineCatalog, defineTopic } from "@retail/contracts";
import { z } from "zod";

/** A catalog of the kit's tests' own, so they need no real service's name. */
export const kitCatalog = defineCatalog(
  defineTopic({
    name: "kit.pinged",
    version: 1,
    description: "A ping sent to the test service",
    schema: z.object({ pingId: z.string() }),
    publisher: "kit-pinger",
    consumers: ["kit-test"],
  }),
  defineTopic({
    name: "kit.poked",
    version: 1,
    description: "A poke sent to the test service",
    schema: z.object({ pokeId: z.string() }),
    publisher: "kit-pinger",
    consumers: ["kit-test"],
  }),
  defineTopic({
    name: "kit.ponged",
    version: 1,
    description: "What the test service publishes",
    schema: z.object({ pingId: z.string() }),
    publisher: "kit-test",
    consumers: ["kit-pinger"],
  }),
);

export type KitCatalog = typeof kitCatalog;
