import { Counter, defineService, type ServiceInstanceOf } from "@retail/service-kit";
import { configSchema } from "./config.js";
import { shippingHandlers } from "./handlers.js";
import { SERVICE_NAME } from "./keys.js";
import { shipmentRoutes } from "./routes/shipments.js";
import { Cancellations } from "./store/cancellations.js";
import { ShipmentStore } from "./store/shipments.js";
import { TimerLoop } from "./timers.js";

export { configSchema } from "./config.js";

/** The shipping service: `main()` runs it, `create()` builds it for tests. */
export const shippingService = defineService({
  name: SERVICE_NAME,
  configSchema,
  openapi: { title: "Shipping", version: "1.0.0" },
  setup({ config, logger, metrics, redis, bus, now }) {
    const transitions = new Counter({
      name: "shipping_shipment_transitions_total",
      help: "Shipments created or moved, by the status they entered",
      labelNames: ["status"] as const,
      registers: [metrics],
    });
    const store = new ShipmentStore({
      redis,
      bus,
      now,
      transitions,
      rules: {
        countries: new Set(config.SHIPPING_COUNTRIES),
        carriers: config.SHIPPING_CARRIERS,
        dispatchDelayMs: config.SHIPPING_DISPATCH_DELAY_MS,
        deliveryDelayMs: config.SHIPPING_DELIVERY_DELAY_MS,
        shipmentRetentionMs: config.SHIPMENT_RETENTION_MS,
      },
    });
    const cancellations = new Cancellations({
      store,
      bus,
      now,
      rememberMs: config.SHIPPING_CANCELLED_ORDER_TTL_MS,
    });
    const timers = new TimerLoop({
      store,
      pollMs: config.SHIPPING_TIMER_POLL_MS,
      batch: config.SHIPPING_TIMER_BATCH,
      logger: logger.child({ component: "timers" }),
    });
    return {
      routes: shipmentRoutes(store),
      handlers: shippingHandlers({ store, cancellations }),
      background: [timers],
      expose: { store, cancellations, timers },
    };
  },
});

export type ShippingService = ServiceInstanceOf<typeof shippingService>;
