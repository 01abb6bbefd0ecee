-- Remember the handled order.cancel-requested of an order that has no shipment yet (it
-- arrived before its order.placed): create-shipment.lua then creates the shipment
-- cancelled. When the shipment appeared since the caller looked, nothing is written and
-- the request is left unhandled, for the caller to decide again.
--
-- spec: byOrder, cancelledOrder (KEYS indexes), eventId (the request's, kept as the
--   value), ttlMs.
-- Answers { outcome = 'remembered' } or { outcome = 'moved' }.
if redis.call('EXISTS', KEYS[spec.byOrder]) == 1 then
  leave_unhandled()
  return { outcome = 'moved' }
end
redis.call('SET', KEYS[spec.cancelledOrder], spec.eventId, 'PX', spec.ttlMs)
return { outcome = 'remembered' }
