import type { RetailCatalog } from "@retail/contracts";
import type { Handlers } from "@retail/service-kit";
import type { Cancellations } from "./store/cancellations.js";
import type { ShipmentStore } from "./store/shipments.js";

/**
 * Shipping's two subscriptions, in its consumer group. The bus has validated each
 * payload against its contract; each handler acts in one step through the store (state,
 * timers, event and the event's processed mark) and logs what happened.
 */
export function shippingHandlers(deps: {
  store: ShipmentStore;
  cancellations: Cancellations;
}): Handlers<RetailCatalog> {
  const { store, cancellations } = deps;
  return {
    "order.placed": async (event, context) => {
      const result = await store.createForOrder(event, context);
      switch (result.outcome) {
        case "created":
        case "failed":
        case "cancelled": {
          const { shipmentId, status, reason, carrier } = result.shipment;
          context.logger.info(
            { shipmentId, status, reason, carrier },
            `shipment ${result.outcome}`,
          );
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
    },

    "order.cancel-requested": async (event, context) => {
      const { orderId } = event.payload;
      const result = await cancellations.decide(event, context);
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
    },
  };
}
