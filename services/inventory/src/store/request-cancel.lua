-- Record a cancel request on a reserved order and emit order.cancel-requested. Nothing
-- is released here: shipping owns the dispatch and answers (shipment.cancelled or
-- shipment.cancel-refused), so the order can never end cancelled with its parcel gone.
-- A refused request is not asked again: shipping's answer would be the same. The
-- reason is written once, here, and never changes (apply-shipment-event.lua relies on it).
-- With an owner (a customer acting for themselves), another customer's order is
-- 'missing', exactly like an unknown one, so order ids cannot be probed.
local order = KEYS[spec.order]
local state = redis.call('HMGET', order, 'status', 'cancel', 'cancelRefused', 'customerId')
if not state[1] then return { outcome = 'missing' } end
if spec.owner and state[4] ~= spec.owner then return { outcome = 'missing' } end
if state[1] ~= 'reserved' or state[2] then
  return { outcome = 'status', status = state[1], refused = state[3] or '' }
end
redis.call('HSET', order, 'status', 'cancel_requested', 'cancel', 'requested',
  'cancelReason', spec.reason, 'updatedAt', spec.now)
emit(spec.requested)
return { outcome = 'requested' }
