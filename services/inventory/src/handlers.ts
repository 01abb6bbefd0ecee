import { type Envelope, type HandlerContext, NonRetryableError } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { Handlers } from "@retail/service-kit";
import type { OrderSaga, ShipmentKind, ShipmentPayload } from "./store/order-saga.js";
import type { OrderStore } from "./store/orders.js";

/**
 * The `inventory` group's handlers: every shipment topic, one shape. Read the order
 * (its lines never change), apply the event in one step that continues its trace and
 * marks it processed, log what happened.
 */
export function inventoryHandlers(deps: {
  orders: OrderStore;
  saga: OrderSaga;
}): Handlers<RetailCatalog> {
  const on =
    (kind: ShipmentKind) =>
    (event: Envelope<ShipmentPayload>, context: HandlerContext<RetailCatalog>) =>
      onShipmentEvent(deps, kind, event, context);
  return {
    "shipment.created": on("created"),
    "shipment.dispatched": on("dispatched"),
    "shipment.delivered": on("delivered"),
    "shipment.failed": on("failed"),
    "shipment.cancelled": on("cancelled"),
    "shipment.cancel-refused": on("cancel_refused"),
  };
}

async function onShipmentEvent(
  { orders, saga }: { orders: OrderStore; saga: OrderSaga },
  kind: ShipmentKind,
  event: Envelope<ShipmentPayload>,
  context: HandlerContext<RetailCatalog>,
): Promise<void> {
  const { orderId, shipmentId } = event.payload;
  const log = context.logger.child({ orderId, shipmentId });
  const order = await orders.get(orderId);
  // order.placed is appended in the same step as the order is stored: an unknown order
  // is not late, it is not ours. Dead-letter it for an operator to look at.
  const result = order ? await saga.apply(kind, event, order, context) : undefined;
  switch (result?.outcome) {
    case undefined:
    case "missing":
      throw new NonRetryableError(`shipment ${kind} for unknown order ${orderId}`);
    case "duplicate":
      log.debug({ kind }, "shipment event already applied");
      return;
    case "unchanged":
      log.info({ kind, status: result.from }, `shipment ${kind}: nothing to change`);
      return;
    case "applied":
      if (result.late) {
        log.warn(
          { kind, status: result.to },
          "shipment left after the order's reservation was released: moved the units from available to shipped",
        );
      } else {
        log.info(
          { kind, from: result.from, to: result.to, reservation: result.stockTo },
          `shipment ${kind} applied`,
        );
      }
  }
}
