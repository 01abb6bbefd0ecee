import {
  type Bus,
  createBus,
  type Envelope,
  type HandlerContext,
  type PublishOptions,
} from "@retail/bus";
import {
  catalog,
  examplePayloads,
  type OrderPlaced,
  type RetailCatalog,
  type RetailPayload,
  type RetailPayloadInput,
  type RetailTopicName,
} from "@retail/contracts";
import type { CreateServiceOptions, Env } from "@retail/service-kit";
import {
  ALL_SCOPES,
  authorizeInjects,
  testIdentity,
  topicEvents,
} from "@retail/service-kit/testing";
import { useRedisServer } from "@retail/testing";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { SERVICE_NAME } from "../src/keys.js";
import { type ShippingService, shippingService } from "../src/service.js";
import type { StoredShipment } from "../src/shipment.js";

const LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? "silent";
const logger = pino({ level: LOG_LEVEL });

type ShippingConfig = ShippingService["config"];
type Consumed = "order.placed" | "order.cancel-requested";
/** What a test runs in place of shipping's handler of a topic, with the real context. */
type StoreHandler<T extends Consumed, Result> = (
  event: Envelope<RetailPayload<T>>,
  context: HandlerContext<RetailCatalog>,
) => Promise<Result>;

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

/** A cancel request for an order. */
export function aCancelRequest(orderId: string, reason = "Wrong size") {
  return { orderId, reason, requestedAt: new Date().toISOString() };
}

/**
 * One Redis container for the test file, flushed before each test; shipping instances
 * (`shippingService.create`, as main.ts builds them), stand-in "inventory" buses and
 * clients, all closed after each test.
 */
export function useShippingHarness() {
  const redis = useRedisServer();
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  const inventory = (): Bus<RetailCatalog> => {
    const bus = createBus({ service: "inventory", catalog, redis: redis().url, logger });
    closers.push(() => bus.close());
    return bus;
  };

  /** A bus in shipping's consumer group handling `topic` with `handle`, started. */
  const shippingBus = async <T extends Consumed>(topic: T, handle: StoreHandler<T, unknown>) => {
    const bus = createBus({ service: SERVICE_NAME, catalog, redis: redis().url, logger });
    bus.subscribe(topic, async (event, context) => {
      await handle(event, context);
    });
    await bus.start();
    return bus;
  };

  const harness = {
    redis,

    /**
     * A shipping instance on the test Redis, started unless `start: false` (then neither
     * its handlers nor its timers run). Timers are slow (a minute) unless `env` says
     * otherwise. It trusts the test identity's tokens, and its `app.inject` calls without
     * an `authorization` header carry a staff token with every scope, so that a test about
     * shipments is not also about tokens (access tests send their own).
     */
    async service(
      env: Env = {},
      options: Pick<CreateServiceOptions<ShippingConfig, RetailCatalog>, "config" | "now"> & {
        start?: boolean;
      } = {},
    ): Promise<ShippingService> {
      const { start = true, ...createOptions } = options;
      const identity = await testIdentity();
      const service = await shippingService.create({
        env: {
          REDIS_URL: redis().url,
          AUTH_JWKS_FILE: identity.jwksFile,
          LOG_LEVEL,
          SHIPPING_DISPATCH_DELAY_MS: "60000",
          SHIPPING_DELIVERY_DELAY_MS: "60000",
          SHIPPING_TIMER_POLL_MS: "20",
          ...env,
        },
        bus: { shutdownTimeoutMs: 2_000 },
        ...createOptions,
      });
      closers.push(() => service.close());
      authorizeInjects(service.app, await identity.bearer("staff", ALL_SCOPES));
      if (start) await service.start();
      return service;
    },

    /** A bus publishing as inventory: the stand-in for order.placed and order.cancel-requested. */
    inventory,

    /**
     * Publish one event shipping consumes and handle it with `handle`, given the real
     * handler context, in shipping's consumer group: for calling the store of an
     * instance built with `start: false` as its handler would (its own bus and timers
     * stay off). Resolves to what `handle` returned.
     */
    async handle<T extends Consumed, Result>(
      topic: T,
      payload: RetailPayloadInput<T>,
      handle: StoreHandler<T, Result>,
    ): Promise<Result> {
      const handled = Promise.withResolvers<Result>();
      const bus = await shippingBus(topic, (event, context) =>
        handle(event, context).then(handled.resolve, handled.reject),
      );
      try {
        await inventory().publish(topic, payload);
        return await handled.promise;
      } finally {
        // Closed at once, so that the group's next event goes to the next one's bus.
        await bus.close();
      }
    },

    /**
     * Publish order.placed as inventory and wait for `service` (started) to create the
     * order's shipment.
     */
    async placed(
      service: ShippingService,
      order: OrderPlaced,
      options: PublishOptions = {},
    ): Promise<StoredShipment> {
      await inventory().publish("order.placed", order, options);
      return vi.waitFor(
        async () => {
          const shipment = await service.expose.store.findByOrder(order.orderId);
          if (!shipment) throw new Error(`no shipment for ${order.orderId} yet`);
          return shipment;
        },
        { timeout: 15_000, interval: 50 },
      );
    },

    /** Publish order.cancel-requested as inventory and wait for `service` (started) to decide it. */
    async cancelRequested(service: ShippingService, orderId: string): Promise<Envelope> {
      const request = await inventory().publish("order.cancel-requested", aCancelRequest(orderId));
      await harness.drained(service, "order.cancel-requested");
      return request;
    },

    /**
     * Handle every event of `topic` with `handle`, given the real handler context, in
     * shipping's consumer group until the test ends: for racing the store of an instance
     * built with `start: false` against something else inside its handler.
     */
    async handling<T extends Consumed>(topic: T, handle: StoreHandler<T, unknown>): Promise<void> {
      const bus = await shippingBus(topic, handle);
      closers.push(() => bus.close());
    },

    /** Create the order's shipment through the store of `service`, as its handler does. */
    async createShipment(service: ShippingService, order: OrderPlaced): Promise<StoredShipment> {
      const result = await harness.handle("order.placed", order, (event, context) =>
        service.expose.store.createForOrder(event, context),
      );
      if (!("shipment" in result)) throw new Error(`no shipment created: ${result.outcome}`);
      return result.shipment;
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
        return await topicEvents(client, topic);
      } finally {
        client.disconnect();
      }
    },

    /** Wait until shipping's group has handled everything published on a topic. */
    async drained(service: ShippingService, topic: Consumed) {
      await vi.waitFor(
        async () => {
          const group = (await service.bus.admin.groups(topic)).find(
            (candidate) => candidate.group === SERVICE_NAME,
          );
          expect(group).toMatchObject({ pending: 0, lag: 0 });
          // vi.waitFor's default second is too short when CI runs every package at once.
        },
        { timeout: 15_000, interval: 50 },
      );
    },
  };
  return harness;
}
