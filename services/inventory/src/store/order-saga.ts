import {
  defineScript,
  type Envelope,
  type HandlerContext,
  type RedisClient,
  type Step,
} from "@retail/bus";
import type { RetailCatalog, RetailPayload } from "@retail/contracts";
import { InvariantBrokenError } from "../errors.js";
import { keys } from "../keys.js";
import type { InventoryBus, Order, OrderStatus, ReservationState } from "../model.js";
import { readOrder } from "./orders.js";
import { lowStockEvents } from "./stock-low.js";

/** The shipment events inventory reacts to, by what happened to the shipment. */
export type ShipmentKind =
  | "created"
  | "dispatched"
  | "delivered"
  | "failed"
  | "cancelled"
  | "cancel_refused";

/** The payload of any shipment event. */
export type ShipmentPayload =
  | RetailPayload<"shipment.created">
  | RetailPayload<"shipment.dispatched">
  | RetailPayload<"shipment.delivered">
  | RetailPayload<"shipment.failed">
  | RetailPayload<"shipment.cancelled">
  | RetailPayload<"shipment.cancel-refused">;

type ScriptReply =
  | { outcome: "missing" | "stale" }
  | {
      outcome: "applied" | "unchanged";
      from: OrderStatus;
      to: OrderStatus;
      stockFrom: ReservationState;
      stockTo: ReservationState;
      /** Units left after inventory had released them (see the README). */
      late: boolean;
    };

/** What applying a shipment event did; `duplicate`: this group had already applied it. */
export type TransitionReply = Exclude<ScriptReply, { outcome: "stale" }> | { outcome: "duplicate" };

const APPLY_SHIPMENT_EVENT = defineScript<ScriptReply>(
  new URL("./apply-shipment-event.lua", import.meta.url),
);

/** The order side of the saga: what each shipment event does to its order and stock. */
export class OrderSaga {
  constructor(
    private readonly redis: RedisClient,
    private readonly bus: InventoryBus,
    private readonly settings: {
      /** `LOW_STOCK_THRESHOLD`: for products without their own. */
      lowStockThreshold: number;
      /** How long an order is kept once terminal, in ms; `0` keeps it forever (`ORDER_RETENTION_MS`). */
      retentionMs: number;
      now: () => number;
    },
  ) {}

  /**
   * Apply the shipment event being handled (`context`) to its order, in one step that
   * continues the event's trace and correlation and marks it processed. `order` is the
   * order as read before the step: its lines never change, and its cancel reason is
   * written once, by the request, and never changes either. A request that lands
   * between that read and the step makes the step write nothing (`stale`): it runs
   * again with the order read anew, which holds the reason from then on.
   */
  async apply(
    kind: ShipmentKind,
    event: Envelope<ShipmentPayload>,
    order: Order,
    context: HandlerContext<RetailCatalog>,
  ): Promise<TransitionReply> {
    const first = await this.step(kind, event, order, context);
    if (first.outcome !== "stale") return first;
    const current = await readOrder(this.redis, order.orderId);
    if (!current) return { outcome: "missing" };
    const second = await this.step(kind, event, current, context);
    // Unreachable while a cancel reason is written once; thrown, the event is retried.
    if (second.outcome === "stale")
      throw new InvariantBrokenError(`order ${order.orderId}: cancel reason moved twice`, {
        details: { orderId: order.orderId },
      });
    return second;
  }

  private step(
    kind: ShipmentKind,
    event: Envelope<ShipmentPayload>,
    order: Order,
    context: HandlerContext<RetailCatalog>,
  ) {
    return this.bus.commit(APPLY_SHIPMENT_EVENT, (step) => this.spec(step, kind, event, order), {
      cause: context,
    });
  }

  private spec(
    step: Step<RetailCatalog>,
    kind: ShipmentKind,
    event: Envelope<ShipmentPayload>,
    order: Order,
  ) {
    const now = new Date(this.settings.now()).toISOString();
    return {
      kind,
      now,
      shipmentId: event.payload.shipmentId,
      reason: "reason" in event.payload ? event.payload.reason : false,
      cancelReason: order.cancelReason ?? false,
      retentionMs: this.settings.retentionMs,
      threshold: this.settings.lowStockThreshold,
      order: step.key(keys.order(order.orderId)),
      lines: order.lines.map((line) => ({
        sku: line.sku,
        q: line.quantity,
        k: step.key(keys.product(line.sku)),
      })),
      events: this.events(step, kind, event.payload, order, now),
      low: lowStockEvents(
        step,
        order.lines.map((line) => line.sku),
        now,
      ),
    };
  }

  /**
   * The events this kind of shipment event may emit; the script picks which apply. They
   * continue the handled event (the step's cause): its correlation, causation and trace.
   */
  private events(
    step: Step<RetailCatalog>,
    kind: ShipmentKind,
    payload: ShipmentPayload,
    order: Order,
    now: string,
  ) {
    const { orderId } = order;
    const lines = order.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    if (kind === "dispatched" || kind === "delivered") {
      return {
        committed: step.event("reservation.committed", { orderId, lines, committedAt: now }),
        ...("deliveredAt" in payload
          ? {
              delivered: step.event("order.delivered", {
                orderId,
                shipmentId: payload.shipmentId,
                deliveredAt: payload.deliveredAt,
              }),
            }
          : {}),
      };
    }
    if (kind === "cancel_refused" && "reason" in payload) {
      return {
        refused: step.event("order.cancel-refused", {
          orderId,
          reason: payload.reason,
          refusedAt: now,
        }),
      };
    }
    if (kind === "failed" && "reason" in payload) {
      return {
        released: step.event("reservation.released", {
          orderId,
          lines,
          reason: "shipment_failed",
          releasedAt: now,
        }),
        failed: step.event("order.failed", { orderId, reason: payload.reason, failedAt: now }),
      };
    }
    if (kind === "cancelled" && "reason" in payload) {
      // When the customer asked, the script emits their reason and counts the release
      // as theirs (`order_cancelled`); else shipping's reason, as prepared. Their reason
      // is free text, so the one value the script may fill in is the reason the order
      // held when read (written once, by the request); the script checks the order still
      // holds it, and answers `stale` before any write otherwise (see `apply`). Preparing
      // the event from the order read beforehand keeps one event per outcome, and the
      // payload appended is always one validated here.
      const customer = order.cancelReason;
      const asked = customer === undefined ? {} : { fill: { reason: { oneOf: [customer] } } };
      return {
        released: step.event(
          "reservation.released",
          { orderId, lines, reason: "shipment_cancelled", releasedAt: now },
          { fill: { reason: { oneOf: ["order_cancelled"] } } },
        ),
        cancelled: step.event(
          "order.cancelled",
          { orderId, reason: `shipment cancelled: ${payload.reason}`, cancelledAt: now },
          asked,
        ),
      };
    }
    return {};
  }
}
