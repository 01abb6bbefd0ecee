import type { Redis } from "ioredis";
import { lowStockEvents } from "./events.js";
import { keys } from "./keys.js";
import { LuaScript, ScriptInput } from "./lua.js";
import { type InventoryBus, ORDER_FIELDS, type Order, orderFrom } from "./model.js";

type CancelReply =
  | { outcome: "cancelled" }
  | { outcome: "missing" }
  | { outcome: "status"; status: string };

/** Cancel an order whose reservation is still held: release it, with order.cancelled and reservation.released. */
const CANCEL_ORDER = new LuaScript<CancelReply>(`
local order = KEYS[spec.order]
for _, line in ipairs(spec.lines) do require_low(line.sku) end
local state = redis.call('HMGET', order, 'status', 'stock')
if not state[1] then return cjson.encode({ outcome = 'missing' }) end
if state[1] ~= 'reserved' or state[2] ~= 'held' then
  return cjson.encode({ outcome = 'status', status = state[1] })
end
for _, line in ipairs(spec.lines) do
  redis.call('HINCRBY', KEYS[line.k], 'reserved', -line.q)
  redis.call('HINCRBY', KEYS[line.k], 'available', line.q)
end
redis.call('HSET', order, 'status', 'cancelled', 'stock', 'released', 'reason', spec.reason,
  'updatedAt', spec.now)
if spec.retentionMs > 0 then redis.call('PEXPIRE', order, spec.retentionMs) end
append(spec.cancelled)
append(spec.released)
for _, line in ipairs(spec.lines) do check_low(KEYS[line.k], line.sku) end
return cjson.encode({ outcome = 'cancelled' })
`);

export type CancelOutcome =
  | { kind: "cancelled"; order: Order }
  | { kind: "already_cancelled"; order: Order }
  | { kind: "not_found" }
  | { kind: "not_cancellable"; status: string };

/** Orders in Redis: reading one, and cancelling it in one atomic step with its events. */
export class OrderStore {
  constructor(
    private readonly redis: Redis,
    private readonly bus: InventoryBus,
    private readonly lowStockThreshold: number,
    /** How long an order is kept once terminal, in ms; `0` keeps it forever (`ORDER_RETENTION_MS`). */
    private readonly retentionMs: number,
  ) {}

  async get(orderId: string): Promise<Order | undefined> {
    return orderFrom(await this.redis.hmget(keys.order(orderId), ...ORDER_FIELDS));
  }

  async cancel(orderId: string, reason: string): Promise<CancelOutcome> {
    const order = await this.get(orderId);
    if (!order) return { kind: "not_found" };
    if (order.status === "cancelled") return { kind: "already_cancelled", order };
    if (order.status !== "reserved") return { kind: "not_cancellable", status: order.status };
    const now = new Date().toISOString();
    const input = new ScriptInput();
    const options = { correlationId: orderId };
    const stockLines = order.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    Object.assign(input.spec, {
      now,
      reason,
      retentionMs: this.retentionMs,
      threshold: this.lowStockThreshold,
      order: input.key(keys.order(orderId)),
      lines: order.lines.map((line) => ({
        sku: line.sku,
        q: line.quantity,
        k: input.key(keys.product(line.sku)),
      })),
      cancelled: input.event(
        this.bus.prepare("order.cancelled", { orderId, reason, cancelledAt: now }, options),
      ),
      released: input.event(
        this.bus.prepare(
          "reservation.released",
          { orderId, lines: stockLines, reason: "order_cancelled", releasedAt: now },
          options,
        ),
      ),
      low: lowStockEvents(
        this.bus,
        input,
        order.lines.map((line) => line.sku),
        now,
        options,
      ),
    });
    const reply = await CANCEL_ORDER.run(this.redis, input);
    if (reply.outcome === "missing") return { kind: "not_found" };
    if (reply.outcome === "status") {
      // Changed since it was read: a shipment event or another cancel got there first.
      const current = await this.get(orderId);
      if (current?.status === "cancelled") return { kind: "already_cancelled", order: current };
      return { kind: "not_cancellable", status: reply.status };
    }
    return {
      kind: "cancelled",
      order: { ...order, status: "cancelled", reservation: "released", reason, updatedAt: now },
    };
  }
}
