import type { Envelope } from "@retail/bus";
import { processedKey } from "@retail/bus";
import type { RetailPayload } from "@retail/contracts";
import type { Redis } from "ioredis";
import { lowStockEvents } from "./events.js";
import { keys } from "./keys.js";
import { type LuaEvent, LuaScript, ScriptInput } from "./lua.js";
import type { InventoryBus, Order, OrderStatus, ReservationState } from "./model.js";

/** The shipment events inventory reacts to, by what happened to the shipment. */
export type ShipmentKind =
  | "created"
  | "dispatched"
  | "delivered"
  | "failed"
  | "cancelled"
  | "cancel_refused";

export type TransitionReply =
  | { outcome: "missing" }
  | { outcome: "duplicate" }
  | {
      outcome: "applied" | "unchanged";
      from: OrderStatus;
      to: OrderStatus;
      stockFrom: ReservationState;
      stockTo: ReservationState;
      /** Units left after inventory had released them (see the README). */
      late: boolean;
    };

/**
 * Apply one shipment event to its order, once per event id (the bus's processed mark of
 * the group is set in the same step), whatever order the events arrive in:
 *
 * - the reservation (`stock`) moves at most once each way: held → shipped on dispatched
 *   or delivered (reservation.committed), held → released on failed or cancelled
 *   (reservation.released); released → shipped if a parcel left after its units were
 *   released, which shipping's protocol rules out but the invariant survives;
 * - the status only moves forward: reserved → dispatched → delivered (order.delivered),
 *   reserved/dispatched → failed (order.failed), reserved → cancelled (order.cancelled);
 *   cancelled, failed, delivered and rejected never change;
 * - `cancel_requested` (a cancel waits for shipping's answer) ends with the answer:
 *   shipment.cancelled makes it cancelled (with the customer's reason, the release
 *   counted as `order_cancelled`), shipment.cancel-refused puts it back where its units
 *   are (dispatched if shipped, else reserved) with order.cancel-refused. A delivered or
 *   failed shipment ends it too: the order follows its shipment, and the refusal still
 *   arriving later only publishes order.cancel-refused;
 * - an order entering a terminal status expires `retentionMs` later (a late event may
 *   still move its stock meanwhile: HSET keeps the TTL, and the clock is not restarted).
 */
const TRANSITION = new LuaScript<TransitionReply>(`
local order = KEYS[spec.order]
for _, line in ipairs(spec.lines) do require_low(line.sku) end
local state = redis.call('HMGET', order, 'status', 'stock', 'shipmentId', 'cancel', 'cancelReason')
if not state[1] then return cjson.encode({ outcome = 'missing' }) end
if redis.call('ZADD', KEYS[spec.processed], 'NX', spec.nowMs, spec.eventId) == 0 then
  return cjson.encode({ outcome = 'duplicate' })
end
local kind, status, stock = spec.kind, state[1], state[2]
local requested = state[4] == 'requested'
local open = status == 'reserved' or status == 'cancel_requested'
local nextStatus, nextStock, late, answered = status, stock, false, false
local function move(from, to)
  for _, line in ipairs(spec.lines) do
    redis.call('HINCRBY', KEYS[line.k], from, -line.q)
    redis.call('HINCRBY', KEYS[line.k], to, line.q)
  end
end
if kind == 'dispatched' or kind == 'delivered' then
  if stock == 'held' or stock == 'released' then
    late = stock == 'released'
    move(late and 'available' or 'reserved', 'shipped')
    nextStock = 'shipped'
    append(spec.events.committed)
  end
  if kind == 'dispatched' and status == 'reserved' then nextStatus = 'dispatched' end
  if kind == 'delivered' and (open or status == 'dispatched') then
    nextStatus = 'delivered'
    append(spec.events.delivered)
  end
elseif kind == 'failed' or kind == 'cancelled' then
  local asked = kind == 'cancelled' and requested
  if stock == 'held' then
    move('reserved', 'available')
    nextStock = 'released'
    append(spec.events.released, asked and { reason = 'order_cancelled' } or nil)
  end
  if open or (kind == 'failed' and status == 'dispatched') then
    nextStatus = kind
    local reason = asked and state[5] or spec.reason
    append(spec.events[kind], asked and { reason = reason } or nil)
    redis.call('HSET', order, 'reason', reason)
  end
elseif kind == 'cancel_refused' and requested then
  answered = true
  if status == 'cancel_requested' then nextStatus = stock == 'shipped' and 'dispatched' or 'reserved' end
  redis.call('HSET', order, 'cancel', 'refused', 'cancelRefused', spec.reason)
  append(spec.events.refused)
end
if nextStock ~= stock then
  for _, line in ipairs(spec.lines) do check_low(KEYS[line.k], line.sku) end
end
local changed = nextStatus ~= status or nextStock ~= stock or answered
if changed or state[3] ~= spec.shipmentId then
  redis.call('HSET', order, 'status', nextStatus, 'stock', nextStock,
    'shipmentId', spec.shipmentId, 'updatedAt', spec.now)
end
if nextStatus ~= status and spec.retentionMs > 0 and
  (nextStatus == 'delivered' or nextStatus == 'failed' or nextStatus == 'cancelled') then
  redis.call('PEXPIRE', order, spec.retentionMs)
end
return cjson.encode({ outcome = changed and 'applied' or 'unchanged', from = status, to = nextStatus,
  stockFrom = stock, stockTo = nextStock, late = late })
`);

/** The payload of any shipment event. */
export type ShipmentPayload =
  | RetailPayload<"shipment.created">
  | RetailPayload<"shipment.dispatched">
  | RetailPayload<"shipment.delivered">
  | RetailPayload<"shipment.failed">
  | RetailPayload<"shipment.cancelled">
  | RetailPayload<"shipment.cancel-refused">;

/** The order side of the saga: what each shipment event does to its order and stock. */
export class OrderSaga {
  constructor(
    private readonly redis: Redis,
    private readonly bus: InventoryBus,
    private readonly group: string,
    private readonly lowStockThreshold: number,
    /** How long an order is kept once terminal, in ms; `0` keeps it forever (`ORDER_RETENTION_MS`). */
    private readonly retentionMs: number,
  ) {}

  /** Apply a shipment event to `order` (read beforehand: its lines never change). */
  async apply(
    kind: ShipmentKind,
    event: Envelope<ShipmentPayload>,
    order: Order,
  ): Promise<TransitionReply> {
    const now = new Date().toISOString();
    const input = new ScriptInput();
    Object.assign(input.spec, {
      kind,
      now,
      nowMs: String(Date.now()),
      eventId: event.id,
      shipmentId: event.payload.shipmentId,
      reason: "reason" in event.payload ? event.payload.reason : false,
      retentionMs: this.retentionMs,
      threshold: this.lowStockThreshold,
      order: input.key(keys.order(order.orderId)),
      processed: input.key(processedKey(this.group)),
      lines: order.lines.map((line) => ({
        sku: line.sku,
        q: line.quantity,
        k: input.key(keys.product(line.sku)),
      })),
      events: this.events(kind, event, order, input, now),
      low: lowStockEvents(
        this.bus,
        input,
        order.lines.map((line) => line.sku),
        now,
        this.causedBy(event),
      ),
    });
    return TRANSITION.run(this.redis, input);
  }

  /** The events this kind of shipment event may publish; the script picks which apply. */
  private events(
    kind: ShipmentKind,
    event: Envelope<ShipmentPayload>,
    order: Order,
    input: ScriptInput,
    now: string,
  ): Record<string, LuaEvent> {
    const { orderId } = order;
    const options = this.causedBy(event);
    const lines = order.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    const payload = event.payload;
    const events: Record<string, LuaEvent> = {};
    if (kind === "dispatched" || kind === "delivered") {
      events.committed = input.event(
        this.bus.prepare("reservation.committed", { orderId, lines, committedAt: now }, options),
      );
    }
    if (kind === "delivered" && "deliveredAt" in payload) {
      events.delivered = input.event(
        this.bus.prepare(
          "order.delivered",
          { orderId, shipmentId: payload.shipmentId, deliveredAt: payload.deliveredAt },
          options,
        ),
      );
    }
    if (kind === "cancel_refused" && "reason" in payload) {
      events.refused = input.event(
        this.bus.prepare(
          "order.cancel-refused",
          { orderId, reason: payload.reason, refusedAt: now },
          options,
        ),
      );
    }
    if ((kind === "failed" || kind === "cancelled") && "reason" in payload) {
      // The script puts the customer's reason (and order_cancelled) in when they asked.
      const reason = kind === "failed" ? "shipment_failed" : "shipment_cancelled";
      events.released = input.event(
        this.bus.prepare(
          "reservation.released",
          { orderId, lines, reason, releasedAt: now },
          options,
        ),
      );
      events[kind] =
        kind === "failed"
          ? input.event(
              this.bus.prepare(
                "order.failed",
                { orderId, reason: payload.reason, failedAt: now },
                options,
              ),
            )
          : input.event(
              this.bus.prepare(
                "order.cancelled",
                { orderId, reason: `shipment cancelled: ${payload.reason}`, cancelledAt: now },
                options,
              ),
            );
    }
    return events;
  }

  /** Events published because of `event` continue its flow (correlation) and name it (causation). */
  private causedBy(event: Envelope<unknown>) {
    return { correlationId: event.correlationId, causationId: event.id };
  }
}
