import { type Catalog, defineCatalog, defineTopic } from "@retail/contracts";
import { useRedisServer } from "@retail/testing";
import { pino } from "pino";
import { afterEach, beforeEach } from "vitest";
import { z } from "zod";
import { type Bus, type BusOptions, createBus } from "../src/index.js";

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
    consumers: ["worker", "auditor"],
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

/** A logger that stays quiet unless TEST_LOG_LEVEL asks otherwise. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/**
 * One Redis container for the test file, flushed before each test, and a factory for
 * buses that are all closed after each test.
 */
export function useBusTestbed() {
  const redis = useRedisServer();
  const buses: Bus<Catalog>[] = [];

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  return {
    redis,
    bus<C extends Catalog = TestCatalog>(
      service: string,
      options: Partial<BusOptions<C>> & { catalog?: C } = {},
    ): Bus<C> {
      const bus = createBus<C>({
        service,
        catalog: (options.catalog ?? catalog) as C,
        redis: redis().url,
        logger: testLogger,
        shutdownTimeoutMs: 2_000,
        ...options,
      });
      buses.push(bus as unknown as Bus<Catalog>);
      return bus;
    },
  };
}

/** A promise with its resolve function, for handlers that wait for the test. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
