import type { Redis } from "ioredis";
import { keys } from "./keys.js";
import { LuaScript, ScriptInput } from "./lua.js";
import {
  type InventoryBus,
  ORDER_FIELDS,
  type Order,
  type OrderStatus,
  orderFrom,
} from "./model.js";

type RequestReply =
  | { outcome: "requested" }
  | { outcome: "missing" }
  | { outcome: "status"; status: OrderStatus; refused: string };

/**
 * Record a cancel request on a reserved order and append order.cancel-requested. Nothing
 * is released here: shipping owns the dispatch and answers (shipment.cancelled or
 * shipment.cancel-refused), so the order can never end cancelled with its parcel gone.
 * A refused request is not asked again: shipping's answer would be the same.
 */
const REQUEST_CANCEL = new LuaScript<RequestReply>(`
local order = KEYS[spec.order]
local state = redis.call('HMGET', order, 'status', 'cancel', 'cancelRefused')
if not state[1] then return cjson.encode({ outcome = 'missing' }) end
if state[1] ~= 'reserved' or state[2] then
  return cjson.encode({ outcome = 'status', status = state[1], refused = state[3] or '' })
end
redis.call('HSET', order, 'status', 'cancel_requested', 'cancel', 'requested',
  'cancelReason', spec.reason, 'updatedAt', spec.now)
append(spec.requested)
return cjson.encode({ outcome = 'requested' })
`);

export type CancelOutcome =
  /** Recorded now, or already waiting for shipping's answer: 202. */
  | { kind: "requested" }
  | { kind: "already_cancelled" }
  | { kind: "not_found" }
  /** Past the point of cancelling as far as inventory knows; `refused` is shipping's reason, if it said no. */
  | { kind: "not_cancellable"; status: OrderStatus; refused?: string };

/** Orders in Redis: reading one, and asking for its cancellation in one atomic step with its event. */
export class OrderStore {
  constructor(
    private readonly redis: Redis,
    private readonly bus: InventoryBus,
  ) {}

  async get(orderId: string): Promise<Order | undefined> {
    return orderFrom(await this.redis.hmget(keys.order(orderId), ...ORDER_FIELDS));
  }

  async requestCancel(orderId: string, reason: string): Promise<CancelOutcome> {
    const now = new Date().toISOString();
    const input = new ScriptInput();
    Object.assign(input.spec, {
      now,
      reason,
      order: input.key(keys.order(orderId)),
      requested: input.event(
        this.bus.prepare(
          "order.cancel-requested",
          { orderId, reason, requestedAt: now },
          { correlationId: orderId },
        ),
      ),
    });
    const reply = await REQUEST_CANCEL.run(this.redis, input);
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
