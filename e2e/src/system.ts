import {
  createClientMonitoringService,
  configSchema as monitoringConfig,
} from "@retail/client-monitoring";
import {
  createInventoryService,
  configSchema as inventoryConfig,
  stockInvariantViolations,
} from "@retail/inventory";
import { createServiceContext } from "@retail/service-kit";
import { createShippingService, configSchema as shippingConfig } from "@retail/shipping";
import { Redis } from "ioredis";

/** Environment shared by the three services in these tests. */
function environment(redisUrl: string, extra: Record<string, string>): Record<string, string> {
  return { REDIS_URL: redisUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", ...extra };
}

const fastRetries = { retry: { initialDelayMs: 10, maxDelayMs: 50 } };

/**
 * The three services, each its own Fastify app with its own bus and Redis connection,
 * in one process on one Redis — talking only through Redis, as in production.
 */
export async function startSystem(redisUrl: string) {
  const inventory = await createInventoryService({
    context: createServiceContext({
      name: "inventory",
      configSchema: inventoryConfig,
      env: environment(redisUrl, { SEED_DEMO_CATALOG: "false", LOW_STOCK_THRESHOLD: "2" }),
    }),
    bus: { shutdownTimeoutMs: 2_000, subscribeDefaults: fastRetries },
  });
  const shipping = await createShippingService({
    context: createServiceContext({
      name: "shipping",
      configSchema: shippingConfig,
      env: environment(redisUrl, {
        // slow enough that a cancel right after placing comes before the dispatch
        SHIPPING_DISPATCH_DELAY_MS: "1500",
        SHIPPING_DELIVERY_DELAY_MS: "100",
        SHIPPING_TIMER_POLL_MS: "50",
      }),
    }),
    bus: { shutdownTimeoutMs: 2_000, subscribeDefaults: fastRetries },
  });
  const monitoring = await createClientMonitoringService({
    context: createServiceContext({
      name: "client-monitoring",
      configSchema: monitoringConfig,
      env: environment(redisUrl, {}),
    }),
    subscribeDefaults: fastRetries,
  });
  await Promise.all([inventory.start(), shipping.start(), monitoring.start()]);
  const redis = new Redis(redisUrl);

  return {
    inventory: inventory.app,
    shipping: shipping.app,
    monitoring: monitoring.app,
    /** Lines describing every broken stock invariant; empty when all hold. */
    invariantViolations: () => stockInvariantViolations(redis),
    async close() {
      await Promise.all([inventory.close(), shipping.close(), monitoring.close()]);
      await Promise.all([inventory.app.close(), shipping.app.close(), monitoring.app.close()]);
      redis.disconnect();
    },
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;
