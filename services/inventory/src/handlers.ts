import { type Envelope, type HandlerContext, NonRetryableError } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { InventoryBus } from "./model.js";
import type { OrderStore } from "./orders-store.js";
import type { OrderSaga, ShipmentKind, ShipmentPayload } from "./saga.js";

const SHIPMENT_TOPICS = {
  "shipment.created": "created",
  "shipment.dispatched": "dispatched",
  "shipment.delivered": "delivered",
  "shipment.failed": "failed",
  "shipment.cancelled": "cancelled",
  "shipment.cancel-refused": "cancel_refused",
} as const satisfies Record<string, ShipmentKind>;

type ShipmentTopic = keyof typeof SHIPMENT_TOPICS;

/**
 * Subscribe the `inventory` group to every shipment topic. Each handler has one shape:
 * read the order (its lines never change), apply the event in one atomic step that also
 * marks it processed, log what happened.
 */
export function subscribeShipmentHandlers(
  bus: InventoryBus,
  orders: OrderStore,
  saga: OrderSaga,
): void {
  for (const [topic, kind] of Object.entries(SHIPMENT_TOPICS) as [ShipmentTopic, ShipmentKind][]) {
    bus.subscribe(topic, (event, context) =>
      handleShipmentEvent(kind, event, context, orders, saga),
    );
  }
}

async function handleShipmentEvent(
  kind: ShipmentKind,
  event: Envelope<ShipmentPayload>,
  context: HandlerContext<RetailCatalog>,
  orders: OrderStore,
  saga: OrderSaga,
): Promise<void> {
  const { orderId, shipmentId } = event.payload;
  const log = context.logger.child({ orderId, shipmentId });
  const order = await orders.get(orderId);
  // order.placed is appended in the same step as the order is stored: an unknown order
  // is not late, it is not ours. Dead-letter it for an operator to look at.
  if (!order) throw new NonRetryableError(`shipment ${kind} for unknown order ${orderId}`);
  const result = await saga.apply(kind, event, order);
  switch (result.outcome) {
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
