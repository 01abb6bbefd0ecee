import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Catalog, TopicName } from "@retail/contracts";
import {
  type RedisServer,
  type RedisServerOptions,
  type TestRedis,
  useRedisServer,
} from "@retail/testing";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { Registry } from "prom-client";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { encodeEnvelope } from "../src/envelope.js";
import {
  type Bus,
  type BusOptions,
  createBus,
  type Handler,
  type SubscribeOptions,
} from "../src/index.js";
import { outboxKey, streamKey } from "../src/keys.js";
import { uuidv7 } from "../src/random.js";
import type { RedisClient } from "../src/redis.js";
import { catalog, catalogV2, type TestCatalog, type TestCatalogV2 } from "./fixtures-catalog.js";

export { catalog, catalogV2, type TestCatalog, type TestCatalogV2 };

/** A logger that stays quiet unless TEST_LOG_LEVEL asks otherwise. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/**
 * One Redis container for the test file, flushed before each test, and a factory for
 * buses that are all closed after each test. Given `useRedis()` instead of server
 * options, the Redis of the run: the same on a server of the file's own, and on the
 * cluster that vitest.cluster.config.ts shares.
 */
export function useBusTestbed(serverOptions?: RedisServerOptions): Testbed<RedisServer>;
export function useBusTestbed(redis: () => TestRedis): Testbed<TestRedis>;
export function useBusTestbed(
  source: RedisServerOptions | (() => TestRedis) = {},
): Testbed<RedisServer> | Testbed<TestRedis> {
  return typeof source === "function"
    ? testbed(source, (redis) => redis.connection())
    : testbed(useRedisServer(source), (redis) => redis.url);
}

/** What a testbed needs of its Redis: a `RedisServer` or a `TestRedis`. */
interface TestbedRedis {
  flushAll(): Promise<void>;
  client(): RedisClient;
}

export type Testbed<R extends TestbedRedis> = ReturnType<typeof testbed<R>>;

function testbed<R extends TestbedRedis>(
  redis: () => R,
  connection: (redis: R) => BusOptions<Catalog>["redis"],
) {
  const buses: Bus<Catalog>[] = [];

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  function bus<C extends Catalog = TestCatalog>(
    service: string,
    options: Partial<BusOptions<C>> & { catalog?: C } = {},
  ): Bus<C> {
    const created = createBus<C>({
      service,
      catalog: (options.catalog ?? catalog) as C,
      redis: connection(redis()),
      logger: testLogger,
      shutdownTimeoutMs: 2_000,
      ...options,
    });
    buses.push(created as unknown as Bus<Catalog>);
    return created;
  }

  return {
    redis,
    bus,
    /**
     * Resolves once the relay emptied `service`'s outbox: every event it committed is in
     * its topic's stream.
     */
    async relayed(service: string): Promise<void> {
      const client = redis().client();
      try {
        await vi.waitFor(async () => expect(await client.xlen(outboxKey(service))).toBe(0), {
          timeout: 10_000,
          interval: 20,
        });
      } finally {
        client.disconnect();
      }
    },
    /**
     * Most tests' consumer: a bus of the group "worker" handling one topic (default
     * `test.order-placed`) with `handler`, started.
     */
    async worker<T extends TopicName<TestCatalog> = "test.order-placed">(
      handler: Handler<TestCatalog, T>,
      options: SubscribeOptions = {},
      topic: T = "test.order-placed" as T,
    ): Promise<Bus<TestCatalog>> {
      const worker = bus("worker");
      worker.subscribe(topic, handler, options);
      await worker.start();
      return worker;
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

/** The value of a metric, summed over the rows whose labels include `labels`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const rows = (metric?.values ?? []) as {
    value: number;
    labels: Record<string, string>;
    metricName?: string;
  }[];
  return rows
    .filter((row) =>
      Object.entries(labels).every(([key, expected]) => row.labels[key] === expected),
    )
    .filter(
      (row) => !row.metricName || row.metricName === name || row.metricName.endsWith("_count"),
    )
    .reduce((sum, row) => sum + row.value, 0);
}

/**
 * Start test/consumer-process.ts (a worker consumer in a process of its own, for tests
 * that kill it) with a Redis URL or a `TestRedis` address (`host:port,…` for a cluster),
 * a mode and settings; `lines` collects what it writes to stdout ("ready", "holding
 * <event id>"). The caller kills it.
 */
export function spawnConsumer(
  redisUrl: string,
  mode: "hold" | "exit",
  settings: string[] = [],
): { child: ChildProcess; lines: string[] } {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@retail/source",
      "--import",
      "tsx",
      fileURLToPath(new URL("./consumer-process.ts", import.meta.url)),
      redisUrl,
      mode,
      ...settings,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines: string[] = [];
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => lines.push(...chunk.split("\n")));
  return { child, lines };
}

/**
 * Append `payload` to partition 0 of `topic` as a publisher that skipped validation
 * would: a well-formed envelope around a payload its schema may refuse. Through a
 * client of the caller's, or one opened (and closed) for a URL.
 */
export async function appendUnvalidated(
  redis: string | RedisClient,
  topic: string,
  payload: unknown,
): Promise<void> {
  const id = uuidv7();
  const fields = encodeEnvelope({
    id,
    type: topic,
    version: 1,
    occurredAt: new Date().toISOString(),
    source: "tester",
    correlationId: id,
    traceparent: `00-${"1".repeat(32)}-${"2".repeat(16)}-01`,
    partitionKey: "o",
    payload,
  });
  const client = typeof redis === "string" ? new Redis(redis) : redis;
  try {
    await client.xadd(streamKey(topic, 0), "*", ...fields);
  } finally {
    if (client !== redis) client.disconnect();
  }
}
