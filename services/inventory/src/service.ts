import { Counter, defineService, type ServiceInstanceOf } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { inventoryHandlers } from "./handlers.js";
import { SERVICE_NAME } from "./keys.js";
import { orderRoutes } from "./routes/orders.js";
import { productRoutes } from "./routes/products.js";
import { DEMO_CATALOG } from "./seed.js";
import { OrderPlacement } from "./store/order-placement.js";
import { OrderSaga } from "./store/order-saga.js";
import { OrderStore } from "./store/orders.js";
import { ProductStore } from "./store/products.js";

export { configSchema, type InventoryConfig } from "./config.js";
export { SERVICE_NAME } from "./keys.js";
export { stockInvariantViolations } from "./testing.js";

export const inventoryService = defineService({
  name: SERVICE_NAME,
  configSchema,
  openapi: {
    title: "Inventory",
    version: "1.0.0",
    description: "Products, stock reservations and the orders that reserve them.",
  },
  setup({ config, logger, metrics, redis, bus, now }) {
    const lowStockThreshold = config.LOW_STOCK_THRESHOLD;
    const retentionMs = config.ORDER_RETENTION_MS;
    const products = new ProductStore(redis, bus, { lowStockThreshold, now });
    const orders = new OrderStore(redis, bus, now);
    const placement = new OrderPlacement(redis, bus, {
      lowStockThreshold,
      idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
      orderRetentionMs: retentionMs,
      now,
    });
    const saga = new OrderSaga(redis, bus, { lowStockThreshold, retentionMs, now });
    const ordersCounter = new Counter({
      name: "inventory_orders_total",
      help: "Orders placed through POST /orders, by outcome (placed or rejected)",
      labelNames: ["outcome"] as const,
      registers: [metrics],
    });
    return {
      async routes(app) {
        await app.register(productRoutes(products));
        await app.register(
          orderRoutes(orders, placement, ordersCounter, config.ORDERS_PER_MINUTE_PER_CUSTOMER),
        );
      },
      handlers: inventoryHandlers({ orders, saga }),
      async beforeStart() {
        if (!config.SEED_DEMO_CATALOG) return;
        const created = await products.seed(DEMO_CATALOG);
        if (created.length > 0) logger.info({ skus: created }, "seeded the demo catalog");
        else logger.info("demo catalog already seeded");
      },
      expose: { saga },
    };
  },
});

export type InventoryService = ServiceInstanceOf<typeof inventoryService>;
