-- Create the one shipment of an order (the handled order.placed). The shipment-by-order
-- key is written with SET NX: whoever comes second (a redelivery under a new id,
-- another instance, a duplicate event) creates nothing and answers `exists`.
--
-- spec: byOrder, shipment, timers, cancelledOrder (KEYS indexes), shipmentId,
--   retentionMs, and two forms, each { status, fields (HSET field/values),
--   timer? { member, due }, event }:
--   normal     pending with its dispatch timer and shipment.created, or failed with
--              shipment.failed;
--   cancelled  cancelled with shipment.cancelled: taken when the order's cancellation
--              came first (cancelledOrder exists), which is then forgotten.
-- A form created terminal expires with its shipment-by-order key (expire-terminal.lua).
-- Answers { outcome = 'normal' | 'cancelled' } or { outcome = 'exists', shipmentId }.
-- @include "expire-terminal.lua"
local byOrder, shipment = KEYS[spec.byOrder], KEYS[spec.shipment]
if not redis.call('SET', byOrder, spec.shipmentId, 'NX') then
  return { outcome = 'exists', shipmentId = redis.call('GET', byOrder) }
end
local cancelledFirst = redis.call('EXISTS', KEYS[spec.cancelledOrder]) == 1
local form = cancelledFirst and spec.cancelled or spec.normal
redis.call('HSET', shipment, unpack(form.fields))
if form.timer then redis.call('ZADD', KEYS[spec.timers], form.timer.due, form.timer.member) end
if cancelledFirst then redis.call('DEL', KEYS[spec.cancelledOrder]) end
expire_terminal(form.status, spec.retentionMs, shipment, byOrder)
emit(form.event)
return { outcome = cancelledFirst and 'cancelled' or 'normal' }
