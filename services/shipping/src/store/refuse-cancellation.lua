-- Answer the handled cancel request of a shipment past pending: emit
-- shipment.cancel-refused, or nothing for a shipment cancelled already (its
-- shipment.cancelled is the answer). Guarded by the status the caller decided on: a
-- shipment that moved on since (dispatched -> delivered, expired) is left unhandled,
-- for the caller to decide again.
--
-- spec: shipment (KEYS index), status (the one decided on), refusal? (the event).
-- Answers { outcome = 'decided' } or { outcome = 'moved' }.
if redis.call('HGET', KEYS[spec.shipment], 'status') ~= spec.status then
  leave_unhandled()
  return { outcome = 'moved' }
end
if spec.refusal then emit(spec.refusal) end
return { outcome = 'decided' }
