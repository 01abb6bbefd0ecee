import { decodeEnvelope, type RedisClient, streamKey } from "@retail/bus";
import { catalog, partitionsOf } from "@retail/contracts";

/** An order's terminal statuses: nothing moves it any more. */
export const FINAL_ORDER_STATUSES: ReadonlySet<string> = new Set([
  "delivered",
  "failed",
  "cancelled",
]);

/** A shipment as shipping's API shows it, as far as the check looks at it. */
export interface ShipmentView {
  shipmentId: string;
  status: string;
}

/**
 * Why an order's final status and its shipment (the list shipping answers for the
 * order) disagree, or `undefined` when they agree: a delivered order has a delivered
 * shipment, a failed one a failed shipment, a cancelled one a cancelled shipment or
 * none; no order has two.
 */
export function shipmentDisagreement(
  orderStatus: string,
  shipments: readonly ShipmentView[],
): string | undefined {
  if (shipments.length > 1) return `${shipments.length} shipments`;
  const shipment = shipments[0]?.status;
  switch (orderStatus) {
    case "delivered":
    case "failed":
      return shipment === orderStatus
        ? undefined
        : `${orderStatus} order, shipment ${shipment ?? "missing"}`;
    case "cancelled":
      return shipment === undefined || shipment === "cancelled"
        ? undefined
        : `cancelled order, shipment ${shipment}`;
    default:
      return `order still ${orderStatus}`;
  }
}

/**
 * The shipment ids named by shipping's events, by order id, over every `shipment.*`
 * topic: more than one id for an order means a shipment was created twice, even if
 * the API shows only one of them.
 */
export async function shipmentIdsByOrder(redis: RedisClient): Promise<Map<string, Set<string>>> {
  const byOrder = new Map<string, Set<string>>();
  const topics = Object.values(catalog).filter((topic) => topic.name.startsWith("shipment."));
  for (const topic of topics) {
    for (let partition = 0; partition < partitionsOf(topic); partition += 1) {
      for (const [, fields] of await redis.xrange(streamKey(topic.name, partition), "-", "+")) {
        const { orderId, shipmentId } = decodeEnvelope(fields).envelope.payload as {
          orderId?: string;
          shipmentId?: string;
        };
        if (orderId === undefined || shipmentId === undefined) continue;
        const ids = byOrder.get(orderId) ?? new Set<string>();
        byOrder.set(orderId, ids.add(shipmentId));
      }
    }
  }
  return byOrder;
}
