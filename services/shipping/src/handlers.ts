import type { Bus } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { ShipmentStore } from "./store.js";

/**
 * Shipping's two subscriptions, in its consumer group. The bus has validated each
 * payload against its contract; each handler acts in one atomic step (state, timers,
 * event and processed mark) and logs what happened.
 */
export function subscribeHandlers(bus: Bus<RetailCatalog>, store: ShipmentStore): void {
  bus.subscribe("order.placed", async (event, context) => {
    const result = await store.createForOrder(event.payload, {
      eventId: event.id,
      correlationId: event.correlationId,
      traceparent: event.traceparent,
    });
    switch (result.outcome) {
      case "created":
      case "failed":
      case "cancelled": {
        const { shipmentId, status, reason, carrier } = result.shipment;
        context.logger.info({ shipmentId, status, reason, carrier }, `shipment ${result.outcome}`);
        return;
      }
      case "exists":
        context.logger.info(
          { shipmentId: result.shipmentId },
          "the order already has its shipment; none created",
        );
        return;
      case "duplicate":
        context.logger.debug("order.placed already handled");
        return;
    }
  });

  bus.subscribe("order.cancelled", async (event, context) => {
    const { orderId } = event.payload;
    const result = await store.cancelForOrder(orderId, {
      eventId: event.id,
      correlationId: event.correlationId,
    });
    switch (result.outcome) {
      case "applied":
        context.logger.info({ shipmentId: result.shipment.shipmentId }, "shipment cancelled");
        return;
      case "remembered":
        context.logger.info(
          { orderId },
          "order cancelled before its shipment exists; its order.placed will create it cancelled",
        );
        return;
      case "wrong_state":
        // Inventory refuses a cancel after dispatch; this is the race where both happened.
        context.logger.warn(
          { orderId, status: result.status },
          "order cancelled but its shipment is past pending; left as it is",
        );
        return;
      case "duplicate":
        context.logger.debug("order.cancelled already handled");
        return;
      case "not_found":
      case "timer_gone":
        context.logger.warn(
          { orderId, outcome: result.outcome },
          "shipment vanished while cancelling",
        );
        return;
    }
  });
}
