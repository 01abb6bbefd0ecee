import { defineScript, type RedisClient } from "@retail/bus";
import { keys } from "../keys.js";
import {
  type InventoryBus,
  ORDER_FIELDS,
  type Order,
  type OrderStatus,
  orderFrom,
} from "../model.js";

type RequestReply =
  | { outcome: "requested" }
  | { outcome: "missing" }
  | { outcome: "status"; status: OrderStatus; refused: string };

const REQUEST_CANCEL = defineScript<RequestReply>(new URL("./request-cancel.lua", import.meta.url));

export type CancelOutcome =
  /** Recorded now, or already waiting for shipping's answer: 202. */
  | { kind: "requested" }
  | { kind: "already_cancelled" }
  | { kind: "not_found" }
  /** Past the point of cancelling as far as inventory knows; `refused` is shipping's reason, if it said no. */
  | { kind: "not_cancellable"; status: OrderStatus; refused?: string };

/** An order as stored, or undefined (unknown, or expired after its retention). */
export async function readOrder(redis: RedisClient, orderId: string): Promise<Order | undefined> {
  return orderFrom(await redis.hmget(keys.order(orderId), ...ORDER_FIELDS));
}

/** Orders in Redis: reading one, and asking for its cancellation in one atomic step with its event. */
export class OrderStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly bus: InventoryBus,
    private readonly now: () => number,
  ) {}

  get(orderId: string): Promise<Order | undefined> {
    return readOrder(this.redis, orderId);
  }

  /**
   * Ask to cancel `orderId`. With `owner` (a customer acting for themselves), an order of
   * another customer is `not_found`, checked in the same script as the cancel.
   */
  async requestCancel(orderId: string, reason: string, owner?: string): Promise<CancelOutcome> {
    const now = new Date(this.now()).toISOString();
    const reply = await this.bus.commit(REQUEST_CANCEL, (step) => ({
      now,
      reason,
      owner: owner ?? false,
      order: step.key(keys.order(orderId)),
      requested: step.event(
        "order.cancel-requested",
        { orderId, reason, requestedAt: now },
        { correlationId: orderId },
      ),
    }));
    if (reply.outcome === "missing") return { kind: "not_found" };
    if (reply.outcome === "requested") return { kind: "requested" };
    if (reply.status === "cancel_requested") return { kind: "requested" };
    if (reply.status === "cancelled") return { kind: "already_cancelled" };
    return {
      kind: "not_cancellable",
      status: reply.status,
      ...(reply.refused === "" ? {} : { refused: reply.refused }),
    };
  }
}
