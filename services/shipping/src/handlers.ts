import type { Bus } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { ShipmentStore } from "./store/shipments.js";

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

  bus.subscribe("order.cancel-requested", async (event, context) => {
    const { orderId } = event.payload;
    const result = await store.decideCancel(orderId, {
      eventId: event.id,
      correlationId: event.correlationId,
    });
    switch (result.outcome) {
      case "cancelled":
        context.logger.info({ shipmentId: result.shipment.shipmentId }, "shipment cancelled");
        return;
      case "remembered":
        context.logger.info(
          { orderId },
          "cancel requested before the shipment exists; its order.placed will create it cancelled",
        );
        return;
      case "refused":
        context.logger.info(
          { orderId, status: result.status, reason: result.reason },
          "cancel refused: the shipment is past pending",
        );
        return;
      case "already_cancelled":
        context.logger.info({ orderId }, "cancel requested for a shipment already cancelled");
        return;
      case "duplicate":
        context.logger.debug("order.cancel-requested already handled");
        return;
    }
  });
}
