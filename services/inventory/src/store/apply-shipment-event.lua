-- Apply one shipment event to its order, whatever order the events arrive in (the
-- frame marks the event processed in the same step, so it has one effect):
--
-- - the reservation (`stock`) moves at most once each way: held -> shipped on dispatched
--   or delivered (reservation.committed), held -> released on failed or cancelled
--   (reservation.released); released -> shipped if a parcel left after its units were
--   released, which shipping's protocol rules out but the invariant survives;
-- - the status only moves forward: reserved -> dispatched -> delivered (order.delivered),
--   reserved/dispatched -> failed (order.failed), reserved -> cancelled (order.cancelled);
--   cancelled, failed, delivered and rejected never change;
-- - `cancel_requested` (a cancel waits for shipping's answer) ends with the answer:
--   shipment.cancelled makes it cancelled (with the customer's reason, the release
--   counted as `order_cancelled`), shipment.cancel-refused puts it back where its units
--   are (dispatched if shipped, else reserved) with order.cancel-refused. A delivered or
--   failed shipment ends it too: the order follows its shipment, and the refusal still
--   arriving later only publishes order.cancel-refused;
-- - an order entering a terminal status expires `retentionMs` later (a late event may
--   still move its stock meanwhile: HSET keeps the TTL, and the clock is not restarted).
--
-- Answers `missing` (unknown or expired order) and `stale` (a cancel request landed
-- after the caller read the order, so order.cancelled was prepared without the
-- customer's reason) having written nothing and left the event unmarked.
-- @include "stock-low.lua"
local order = KEYS[spec.order]
for _, line in ipairs(spec.lines) do require_low(line.sku) end
local state = redis.call('HMGET', order, 'status', 'stock', 'shipmentId', 'cancel', 'cancelReason')
if not state[1] then
  leave_unhandled()
  return { outcome = 'missing' }
end
local kind, status, stock = spec.kind, state[1], state[2]
local requested = state[4] == 'requested'
local asked = kind == 'cancelled' and requested
if asked and state[5] ~= spec.cancelReason then
  leave_unhandled()
  return { outcome = 'stale' }
end
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
    emit(spec.events.committed)
    move(late and 'available' or 'reserved', 'shipped')
    nextStock = 'shipped'
  end
  if kind == 'dispatched' and status == 'reserved' then nextStatus = 'dispatched' end
  if kind == 'delivered' and (open or status == 'dispatched') then
    nextStatus = 'delivered'
    emit(spec.events.delivered)
  end
elseif kind == 'failed' or kind == 'cancelled' then
  if stock == 'held' then
    emit(spec.events.released, asked and { reason = 'order_cancelled' } or nil)
    move('reserved', 'available')
    nextStock = 'released'
  end
  if open or (kind == 'failed' and status == 'dispatched') then
    nextStatus = kind
    emit(spec.events[kind], asked and { reason = state[5] } or nil)
    redis.call('HSET', order, 'reason', asked and state[5] or spec.reason)
  end
elseif kind == 'cancel_refused' and requested then
  answered = true
  if status == 'cancel_requested' then nextStatus = stock == 'shipped' and 'dispatched' or 'reserved' end
  emit(spec.events.refused)
  redis.call('HSET', order, 'cancel', 'refused', 'cancelRefused', spec.reason)
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
return { outcome = changed and 'applied' or 'unchanged', from = status, to = nextStatus,
  stockFrom = stock, stockTo = nextStock, late = late }
