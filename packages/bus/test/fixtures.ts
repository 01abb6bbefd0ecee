import type { Catalog } from "@retail/contracts";
import { type RedisServerOptions, useRedisServer } from "@retail/testing";
import { pino } from "pino";
import { afterEach, beforeEach } from "vitest";
import { type Bus, type BusOptions, createBus } from "../src/index.js";
import { catalog, type TestCatalog } from "./fixtures-catalog.js";

export { catalog, type TestCatalog };

/** A logger that stays quiet unless TEST_LOG_LEVEL asks otherwise. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/**
 * One Redis container for the test file, flushed before each test, and a factory for
 * buses that are all closed after each test.
 */
export function useBusTestbed(serverOptions: RedisServerOptions = {}) {
  const redis = useRedisServer(serverOptions);
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
