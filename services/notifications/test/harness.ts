import { type Bus, createBus, type Envelope } from "@retail/bus";
import {
  catalog,
  examplePayloads,
  type RetailCatalog,
  type RetailPayload,
  type RetailPayloadInput,
  type RetailTopicName,
} from "@retail/contracts";
import { errorBodySchema, type Scope } from "@retail/service-kit";
import { ALL_SCOPES, authorizeInjects, testIdentity } from "@retail/service-kit/testing";
import { useRedisServer } from "@retail/testing";
import { pino } from "pino";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { CHANNEL } from "../src/keys.js";
import { type Notification, notificationSchema } from "../src/notification.js";
import { type NotificationsService, notificationsService } from "../src/service.js";

/** Quiet unless TEST_LOG_LEVEL says otherwise. */
const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

const TEST_ENV = {
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  SHUTDOWN_TIMEOUT_MS: "3000",
};

/** Retries within milliseconds, so a test of retried events does not wait for the defaults. */
const FAST_RETRIES = { retry: { initialDelayMs: 5, maxDelayMs: 20 } };

export interface Instance extends NotificationsService {
  /** Listen on a free port (once) and resolve to the base URL. */
  url(): Promise<string>;
}

/**
 * One Redis for the test file (flushed before each test); notifications instances built
 * as main.ts builds them (`notificationsService.create`); buses standing in for
 * inventory and shipping, and for apps listening on a customer's channel. All closed
 * after each test.
 */
export function useNotifications() {
  const redis = useRedisServer({ persistence: "none" });
  const closers: (() => Promise<void>)[] = [];
  const standIns = new Map<string, Bus<RetailCatalog>>();

  beforeEach(async () => {
    await redis().flushAll();
  });
  afterEach(async () => {
    standIns.clear();
    for (const close of closers.splice(0).reverse()) await close();
  });

  /** A bus of another service (inventory, shipping), one per service and test. */
  const bus = (service: string): Bus<RetailCatalog> => {
    let standIn = standIns.get(service);
    if (!standIn) {
      standIn = createBus({
        service,
        catalog,
        redis: redis().url,
        logger: testLogger,
        shutdownTimeoutMs: 2_000,
      });
      const created = standIn;
      closers.push(() => created.close());
      standIns.set(service, standIn);
    }
    return standIn;
  };

  return {
    redis,
    bus,

    /**
     * A notifications instance, started unless `start: false`; `idempotency: false` lets a
     * republished event reach its handler again; `redisUrl` connects as another Redis
     * user. It trusts the test identity's tokens, and its `app.inject` calls without an
     * `authorization` header carry a staff token with every scope (requests over a real
     * socket send their own: {@link auth}).
     */
    async instance(
      env: Record<string, string> = {},
      options: { start?: boolean; idempotency?: boolean; redisUrl?: string } = {},
    ): Promise<Instance> {
      const identity = await testIdentity();
      const service = await notificationsService.create({
        env: {
          ...TEST_ENV,
          REDIS_URL: options.redisUrl ?? redis().url,
          AUTH_JWKS_FILE: identity.jwksFile,
          ...env,
        },
        bus: {
          subscribeDefaults: {
            ...FAST_RETRIES,
            ...(options.idempotency === undefined ? {} : { idempotency: options.idempotency }),
          },
        },
      });
      closers.push(() => service.close());
      authorizeInjects(service.app, await identity.bearer("staff", ALL_SCOPES));
      if (options.start !== false) await service.start();
      const listening = once(() => service.app.listen({ port: 0, host: "127.0.0.1" }));
      return Object.assign(service, { url: listening });
    },

    /** An app of the customer listening on their channel: what it received so far. */
    async app(customerId: string): Promise<Notification[]> {
      const received: Notification[] = [];
      const channel = bus("app").pubsub.direct(CHANNEL, notificationSchema);
      await channel.listen(customerId, (notification) => received.push(notification));
      return received;
    },

    /** Publish the events of one order as inventory and shipping would; each resolves to its envelope. */
    order(orderId: string, customerId = "cus-1") {
      const options = { correlationId: orderId };
      const publish = async <T extends RetailTopicName>(
        publisher: string,
        topic: T,
        payload: RetailPayloadInput<T>,
      ) => (await bus(publisher).publish(topic, payload, options)) as Envelope<RetailPayload<T>>;
      return {
        placed: (totalCents = 4897) =>
          publish("inventory", "order.placed", {
            ...examplePayloads["order.placed"],
            orderId,
            customerId,
            lines: [{ sku: "MUG-WHT", quantity: 1, unitPriceCents: totalCents }],
            totalCents,
          }),
        dispatched: () =>
          publish("shipping", "shipment.dispatched", {
            ...examplePayloads["shipment.dispatched"],
            orderId,
            shipmentId: `shp-${orderId}`,
          }),
        delivered: () =>
          publish("inventory", "order.delivered", {
            ...examplePayloads["order.delivered"],
            orderId,
            shipmentId: `shp-${orderId}`,
          }),
        failed: () =>
          publish("inventory", "order.failed", {
            ...examplePayloads["order.failed"],
            orderId,
            reason: "unsupported_country",
          }),
      };
    },
  };
}

/**
 * The `authorization` header of a request sent over a real socket (an SSE stream), which
 * `authorizeInjects` does not reach: staff with every scope unless told otherwise.
 */
export async function auth(
  subject = "staff",
  scopes: readonly Scope[] = ALL_SCOPES,
): Promise<{ authorization: string }> {
  return { authorization: await (await testIdentity()).bearer(subject, scopes) };
}

/** Until the `notifications` group has handled (acknowledged) everything on each topic. */
export async function settled(service: NotificationsService): Promise<void> {
  const topics = [
    "order.placed",
    "shipment.dispatched",
    "order.delivered",
    "order.failed",
  ] as const;
  await vi.waitFor(
    async () => {
      for (const topic of topics) {
        const group = (await service.bus.admin.groups(topic)).find(
          (candidate) => candidate.group === "notifications",
        );
        expect(group, topic).toMatchObject({ pending: 0, lag: 0 });
      }
    },
    { timeout: 15_000, interval: 50 },
  );
}

/** The value of `notifications_sent_total` for these labels (0 when never counted). */
export async function sentCount(
  service: NotificationsService,
  labels: { kind?: string; outcome?: string },
): Promise<number> {
  const metric = await service.metrics.getSingleMetric("notifications_sent_total")?.get();
  return (metric?.values ?? [])
    .filter((value) =>
      Object.entries(labels).every(([name, wanted]) => value.labels[name] === wanted),
    )
    .reduce((sum, value) => sum + value.value, 0);
}

/** An error response: its status and the kit's error body with this code. */
export function expectError(
  response: { statusCode: number; json(): unknown },
  status: number,
  code: string,
) {
  expect(response.statusCode).toBe(status);
  const body = errorBodySchema.parse(response.json());
  expect(body.error.code).toBe(code);
  return body.error;
}

/** `start` called at most once; later calls get the first call's promise. */
function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => {
    started ??= start();
    return started;
  };
}
