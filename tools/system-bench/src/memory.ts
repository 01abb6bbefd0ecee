/**
 * 4. Memory: inventory, shipping and client-monitoring as child processes; orders placed
 * as fast as the system takes them (a bounded number in flight) with shipping's delays at
 * zero, so every order runs its whole saga. At 0 and every 20 % of the orders: each
 * service's RSS, Redis `used_memory` and the streams' total length; a last sample once
 * every consumer group has caught up.
 */
import { pollUntil } from "@retail/testing";
import { Redis } from "ioredis";
import type { BenchConfig } from "./config.js";
import { orderClient } from "./http-client.js";
import { benchIdentity } from "./identity.js";
import { seedProduct } from "./orders.js";
import { type Child, rssOf, type ServiceName, startService } from "./processes.js";
import { type KeyKind, keyBreakdown, totalStreamLength, usedMemory } from "./redis-memory.js";

export interface MemorySample {
  /** Orders answered 201 when the sample was taken. */
  orders: number;
  label: string;
  rss: Record<ServiceName, number>;
  redisUsedMemory: number;
  streamEntries: number;
}

export interface MemoryResult {
  samples: MemorySample[];
  placed: number;
  failed: number;
  sendSeconds: number;
  /** Whether every consumer group caught up before the deadline. */
  settled: boolean;
  keys: KeyKind[];
}

const SETTLE_TIMEOUT_MS = 180_000;

/**
 * Retention short enough that its window passes well inside the run, so the samples show
 * whether Redis levels off: terminal orders and shipments and the timelines expire after
 * 20 s, and each partition stream keeps about 50 000 entries (the single-partition topics
 * reach that halfway through 100 000 orders). Not fewer: the consumer groups fall tens
 * of thousands of events behind the sender, and a stream trimmed below a group's lag
 * drops events the group has not read (20 000 lost a quarter of the orders' sagas).
 */
export const MEMORY_RETENTION = {
  ORDER_RETENTION_MS: "20000",
  SHIPMENT_RETENTION_MS: "20000",
  TIMELINE_TTL_MS: "20000",
  BUS_STREAM_MAX_LENGTH: "50000",
  // Longer than any redelivery in this run (claims go idle after 30 s by default).
  BUS_IDEMPOTENCY_TTL_MS: "60000",
} as const;

/** True once every group of every stream has read everything and acknowledged it all. */
async function allGroupsCaughtUp(redis: Redis): Promise<boolean> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", "stream:*", "COUNT", 1_000);
    cursor = next;
    for (const key of keys) {
      const groups = (await redis.call("XINFO", "GROUPS", key)) as unknown[];
      for (const group of groups) {
        const fields = toFields(group);
        if (Number(fields.pending) !== 0 || Number(fields.lag ?? 0) !== 0) return false;
      }
    }
  } while (cursor !== "0");
  return (await redis.zcard("{shipping}:timers")) === 0;
}

/** An `XINFO` record as a map, from RESP2's flat list or RESP3's map. */
function toFields(record: unknown): Record<string, unknown> {
  if (Array.isArray(record)) {
    const fields: Record<string, unknown> = {};
    for (let index = 0; index + 1 < record.length; index += 2)
      fields[String(record[index])] = record[index + 1];
    return fields;
  }
  return (record ?? {}) as Record<string, unknown>;
}

export async function benchMemory(
  redisUrl: string,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<MemoryResult> {
  const redis = new Redis(redisUrl);
  const services: Record<ServiceName, Child | undefined> = {
    inventory: undefined,
    shipping: undefined,
    "client-monitoring": undefined,
  };
  try {
    const {
      ORDER_RETENTION_MS,
      SHIPMENT_RETENTION_MS,
      TIMELINE_TTL_MS,
      BUS_STREAM_MAX_LENGTH,
      BUS_IDEMPOTENCY_TTL_MS,
    } = MEMORY_RETENTION;
    services.inventory = await startService("inventory", redisUrl, {
      SEED_DEMO_CATALOG: "false",
      ORDER_RETENTION_MS,
      BUS_STREAM_MAX_LENGTH,
      BUS_IDEMPOTENCY_TTL_MS,
    });
    services.shipping = await startService("shipping", redisUrl, {
      SHIPMENT_RETENTION_MS,
      BUS_STREAM_MAX_LENGTH,
      BUS_IDEMPOTENCY_TTL_MS,
      SHIPPING_DISPATCH_DELAY_MS: "0",
      SHIPPING_DELIVERY_DELAY_MS: "0",
      SHIPPING_TIMER_POLL_MS: "50",
    });
    services["client-monitoring"] = await startService("client-monitoring", redisUrl, {
      TIMELINE_TTL_MS,
      BUS_STREAM_MAX_LENGTH,
      BUS_IDEMPOTENCY_TTL_MS,
    });
    const inventoryUrl = services.inventory.baseUrl;
    const identity = await benchIdentity();
    await seedProduct(inventoryUrl, identity.catalog);

    const samples: MemorySample[] = [];
    const sample = async (label: string, orders: number) => {
      const rss = {} as Record<ServiceName, number>;
      for (const [name, child] of Object.entries(services) as [ServiceName, Child][])
        rss[name] = await rssOf(child.pid);
      const taken: MemorySample = {
        orders,
        label,
        rss,
        redisUsedMemory: await usedMemory(redis),
        streamEntries: await totalStreamLength(redis),
      };
      samples.push(taken);
      log(
        `  ${label}: RSS ${Object.values(rss)
          .map((bytes) => (bytes / 2 ** 20).toFixed(0))
          .join(" / ")} MB, Redis ${(taken.redisUsedMemory / 2 ** 20).toFixed(1)} MB`,
      );
    };
    await sample("start", 0);

    const client = orderClient(inventoryUrl, config.memoryInFlight, identity.customer);
    const total = config.memoryOrders;
    const step = Math.max(1, Math.floor(total / 5));
    let issued = 0;
    let placed = 0;
    let failed = 0;
    let sampling = Promise.resolve();
    const started = performance.now();
    const deadline = started + config.memoryMaxSeconds * 1_000;
    const worker = async () => {
      while (issued < total && performance.now() < deadline) {
        issued++;
        const result = await client.place();
        if (!result.ok) {
          failed++;
          continue;
        }
        placed++;
        if (placed % step === 0 && placed < total) {
          const orders = placed;
          sampling = sampling.then(() => sample(`${Math.round((orders / total) * 100)} %`, orders));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: config.memoryInFlight }, worker));
    } finally {
      client.close();
    }
    const sendSeconds = (performance.now() - started) / 1_000;
    await sampling;
    await sample("all sent", placed);
    const settled = await pollUntil(
      "every consumer group to catch up",
      async () => ((await allGroupsCaughtUp(redis)) ? true : undefined),
      { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500 },
    ).then(
      () => true,
      () => false,
    );
    await sample(settled ? "settled" : "settle timed out", placed);
    const keys = await keyBreakdown(redis);
    return { samples, placed, failed, sendSeconds, settled, keys };
  } finally {
    await Promise.all(Object.values(services).map((child) => child?.stop()));
    redis.disconnect();
  }
}
