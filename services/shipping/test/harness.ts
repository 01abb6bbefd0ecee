import { type Bus, createBus, decodeEnvelope, type Envelope, streamKey } from "@retail/bus";
import {
  catalog,
  examplePayloads,
  type OrderPlaced,
  partitionsOf,
  type RetailCatalog,
  type RetailPayload,
  type RetailTopicName,
} from "@retail/contracts";
import type { Env } from "@retail/service-kit";
import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { SERVICE_NAME } from "../src/keys.js";
import {
  createShippingContext,
  createShippingService,
  type ShippingService,
  type ShippingServiceOptions,
} from "../src/service.js";

const LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? "silent";

/** A placed order (the contracts' example), with the given id and destination. */
export function anOrder(orderId: string, country = "GB"): OrderPlaced {
  const example = examplePayloads["order.placed"];
  return {
    ...example,
    lines: [...example.lines],
    orderId,
    shippingAddress: { ...example.shippingAddress, country },
  };
}

/**
 * One Redis container for the test file, flushed before each test; shipping service
 * instances, stand-in "inventory" buses and clients, all closed after each test.
 */
export function useShippingTestbed() {
  const redis = useRedisServer();
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  const testbed = {
    redis,

    /**
     * A shipping instance on the test Redis, built (and, unless `start: false`, started)
     * like main.ts does. Timers are slow (a minute) unless `env` says otherwise.
     */
    async service(
      env: Env = {},
      options: Omit<ShippingServiceOptions, "context"> & { start?: boolean } = {},
    ): Promise<ShippingService> {
      const { start = true, ...serviceOptions } = options;
      const context = createShippingContext({
        REDIS_URL: redis().url,
        LOG_LEVEL,
        SHIPPING_DISPATCH_DELAY_MS: "60000",
        SHIPPING_DELIVERY_DELAY_MS: "60000",
        SHIPPING_TIMER_POLL_MS: "20",
        ...env,
      });
      const service = await createShippingService({
        context,
        bus: { shutdownTimeoutMs: 2_000 },
        ...serviceOptions,
      });
      closers.push(async () => {
        await service.app.close();
        await service.close();
      });
      if (start) await service.start();
      return service;
    },

    /** A bus publishing as inventory: the stand-in for order.placed and order.cancel-requested. */
    inventory(): Bus<RetailCatalog> {
      const bus = createBus({
        service: "inventory",
        catalog,
        redis: redis().url,
        logger: pino({ level: LOG_LEVEL }),
      });
      closers.push(() => bus.close());
      return bus;
    },

    client(): Redis {
      const client = redis().client();
      closers.push(async () => client.disconnect());
      return client;
    },

    /** Every event of a topic, over all its partitions, in stream order per partition. */
    async events<T extends RetailTopicName>(topic: T): Promise<Envelope<RetailPayload<T>>[]> {
      const client = redis().client();
      try {
        const envelopes: Envelope<RetailPayload<T>>[] = [];
        for (let partition = 0; partition < partitionsOf(catalog[topic]); partition += 1) {
          for (const [, fields] of await client.xrange(streamKey(topic, partition), "-", "+")) {
            envelopes.push(decodeEnvelope(fields).envelope as Envelope<RetailPayload<T>>);
          }
        }
        return envelopes;
      } finally {
        client.disconnect();
      }
    },

    /** Wait until shipping's group has handled everything published on a topic. */
    async drained(service: ShippingService, topic: "order.placed" | "order.cancel-requested") {
      await vi.waitFor(async () => {
        const group = (await service.bus.admin.groups(topic)).find(
          (candidate) => candidate.group === SERVICE_NAME,
        );
        expect(group).toMatchObject({ pending: 0, lag: 0 });
      });
    },
  };
  return testbed;
}
