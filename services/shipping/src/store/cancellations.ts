import { type Bus, defineScript, type Envelope, type HandlerContext } from "@retail/bus";
import type { OrderCancelRequested, RetailCatalog, ShipmentCancelRefused } from "@retail/contracts";
import { CancelUndecidedError } from "../errors.js";
import { cancelledOrderKey, shipmentByOrderKey, shipmentKey } from "../keys.js";
import type { ShipmentStatus, StoredShipment } from "../shipment.js";
import type { ShipmentStore } from "./shipments.js";

type Context = HandlerContext<RetailCatalog>;

export interface CancellationsOptions {
  store: ShipmentStore;
  bus: Bus<RetailCatalog>;
  /** How long a cancel request that came before its order.placed is remembered, ms. */
  rememberMs: number;
  /** The clock for timestamps (epoch ms). */
  now: () => number;
}

/** Shipping's answer to a cancel request. */
export type CancelDecision =
  /** The shipment was pending: cancelled with its timers, shipment.cancelled published. */
  | { outcome: "cancelled"; shipment: StoredShipment }
  /** No shipment yet: the order.placed to come creates it cancelled. */
  | { outcome: "remembered" }
  /** Past pending: shipment.cancel-refused published. */
  | { outcome: "refused"; status: RefusedStatus; reason: CancelRefusal }
  /** Cancelled already (its shipment.cancelled answers), or this request was handled before. */
  | { outcome: "already_cancelled" | "duplicate" };

/** One look at a cancel request: a decision, or `moved` (nothing written, the request left unhandled). */
export type CancelLook = CancelDecision | { outcome: "moved" };

type RefusedStatus = ShipmentCancelRefused["status"];
type CancelRefusal = ShipmentCancelRefused["reason"];
type LookReply<Decided extends string> = { outcome: Decided } | { outcome: "moved" };

const REMEMBER_CANCELLATION = defineScript<LookReply<"remembered">>(
  new URL("./remember-cancellation.lua", import.meta.url),
);
const REFUSE_CANCELLATION = defineScript<LookReply<"decided">>(
  new URL("./refuse-cancellation.lua", import.meta.url),
);

/**
 * A decision is looked at again only after a move that cannot repeat (the shipment
 * appearing, pending → dispatched → delivered, expiring): five looks cover them all.
 */
const MAX_DECISION_LOOKS = 5;

/**
 * The cancel requests of orders, decided against their shipments' dispatch timers:
 * shipping owns the dispatch, so it alone decides whether a request still cancels.
 */
export class Cancellations {
  constructor(private readonly options: CancellationsOptions) {}

  /**
   * Decide the handled cancel request: a pending shipment is cancelled by the same
   * guarded transition its dispatch timer uses, so exactly one of the two wins; a
   * shipment past pending gets a refusal. Without a shipment yet, the request is
   * remembered so that the order.placed arriving later creates it cancelled. Each look
   * that finds the shipment moved on is followed by another; only the decisive one
   * marks the request processed.
   */
  async decide(request: Envelope<OrderCancelRequested>, context: Context): Promise<CancelDecision> {
    const { orderId } = request.payload;
    for (let look = 0; look < MAX_DECISION_LOOKS; look += 1) {
      const seen = await this.options.store.findByOrder(orderId);
      const decision = await this.decideOn(seen, request, context);
      if (decision.outcome !== "moved") return decision;
    }
    throw new CancelUndecidedError(
      `The cancel of order ${orderId} found its shipment moving on every look`,
      { details: { orderId, looks: MAX_DECISION_LOOKS } },
    );
  }

  /**
   * One look at a cancel request: decide on the shipment as it was `seen` (undefined:
   * none yet). When it has moved on since, nothing is written and the request stays
   * unhandled: `moved`, for the caller to look again.
   */
  async decideOn(
    seen: StoredShipment | undefined,
    request: Envelope<OrderCancelRequested>,
    context: Context,
  ): Promise<CancelLook> {
    if (!seen) return this.remember(request, context);
    if (seen.status === "pending") return this.cancel(seen, context);
    return this.refuse(seen, context);
  }

  private remember(request: Envelope<OrderCancelRequested>, context: Context) {
    const { orderId } = request.payload;
    return this.options.bus.commit(
      REMEMBER_CANCELLATION,
      (step) => ({
        byOrder: step.key(shipmentByOrderKey(orderId)),
        cancelledOrder: step.key(cancelledOrderKey(orderId)),
        eventId: request.id,
        ttlMs: this.options.rememberMs,
      }),
      { cause: context },
    );
  }

  private async cancel(shipment: StoredShipment, context: Context): Promise<CancelLook> {
    const result = await this.options.store.cancel(shipment, context);
    if (result.outcome === "applied") return { outcome: "cancelled", shipment: result.shipment };
    if (result.outcome === "duplicate") return result;
    return { outcome: "moved" }; // the timer fired first: decide on where it left the shipment
  }

  private async refuse(shipment: StoredShipment, context: Context): Promise<CancelLook> {
    const { shipmentId, orderId, status } = shipment;
    const refusal = refusalOf(status);
    const refusedAt = new Date(this.options.now()).toISOString();
    const reply = await this.options.bus.commit(
      REFUSE_CANCELLATION,
      (step) => ({
        shipment: step.key(shipmentKey(shipmentId)),
        status,
        ...(refusal === undefined
          ? {}
          : {
              refusal: step.event("shipment.cancel-refused", {
                shipmentId,
                orderId,
                ...refusal,
                refusedAt,
              }),
            }),
      }),
      { cause: context },
    );
    if (reply.outcome !== "decided") return reply;
    return refusal ? { outcome: "refused", ...refusal } : { outcome: "already_cancelled" };
  }
}

/** What a refusal says for a shipment past pending; none for a cancelled one. */
function refusalOf(
  status: ShipmentStatus,
): { status: RefusedStatus; reason: CancelRefusal } | undefined {
  if (status === "dispatched" || status === "delivered") {
    return { status, reason: "already_dispatched" };
  }
  if (status === "failed") return { status, reason: "shipment_failed" };
  return undefined;
}
