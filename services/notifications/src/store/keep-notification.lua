-- Keep a notification on its customer's list, in the step that marks the handled event
-- processed (the frame sets the mark after this body): the caller sends it afterwards
-- and takes it off the list again if an app received it, so a notification nobody
-- received - or one the process stopped before sending - waits for the customer's
-- next connection.
--
-- spec.order      KEYS index of the order's customer record
-- spec.remember   order.placed: record the customer (for spec.orderTtlMs). Otherwise
--                 the record must still name spec.customerId, the customer the caller
--                 read: if it expired since, nothing is written, the event is left
--                 unmarked and the answer is `unknown_order`.
-- spec.kept       KEYS index of the customer's kept list; spec.notification its JSON;
--                 the list keeps the newest spec.keptMax and expires spec.keptTtlMs
--                 after this push.
local order = KEYS[spec.order]
if spec.remember then
  redis.call('SET', order, spec.customerId, 'PX', spec.orderTtlMs)
elseif redis.call('GET', order) ~= spec.customerId then
  leave_unhandled()
  return { outcome = 'unknown_order' }
end
local kept = KEYS[spec.kept]
redis.call('RPUSH', kept, spec.notification)
redis.call('LTRIM', kept, -spec.keptMax, -1)
redis.call('PEXPIRE', kept, spec.keptTtlMs)
return { outcome = 'kept' }
