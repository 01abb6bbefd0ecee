-- Move a shipment from one status to the next, guarded by its current status: the
-- status, history entry, timers and event commit together or not at all.
--
-- Fired by a timer (spec.firedBy, its member), the timer must still be there and due;
-- removing it is part of the same step, so a crash before this script runs leaves the
-- timer for the next poll, and a second instance firing the same timer finds it gone.
-- A timer whose shipment moved on (cancelled, moved by hand) is dropped.
--
-- spec: shipment, timers, byOrder (KEYS indexes), from, to, at, entry (the history
--   entry, JSON), reason?, firedBy?, now (ms, for the timer's due time), drop (timer
--   members the step ends), next? { member, due }, eventId (the event's id, kept as the
--   cause of the next one), retentionMs, event.
-- Answers { outcome = 'applied' }, { outcome = 'wrong_state', status }, or outcome
-- 'not_found' / 'timer_gone'. Only `applied` is decisive: for a handled event (a cancel
-- request) the others leave it unhandled, and the caller decides again.
-- @include "expire-terminal.lua"
local shipment, timers = KEYS[spec.shipment], KEYS[spec.timers]
if spec.firedBy then
  local due = redis.call('ZSCORE', timers, spec.firedBy)
  if not due or tonumber(due) > spec.now then
    leave_unhandled()
    return { outcome = 'timer_gone' }
  end
end
local status = redis.call('HGET', shipment, 'status')
if status ~= spec.from then
  if spec.firedBy then redis.call('ZREM', timers, spec.firedBy) end
  leave_unhandled()
  if not status then return { outcome = 'not_found' } end
  return { outcome = 'wrong_state', status = status }
end
local history = redis.call('HGET', shipment, 'history')
history = string.sub(history, 1, -2) .. ',' .. spec.entry .. ']'
redis.call('HSET', shipment, 'status', spec.to, 'updatedAt', spec.at, 'history', history,
  'lastEventId', spec.eventId)
if spec.reason then redis.call('HSET', shipment, 'reason', spec.reason) end
redis.call('ZREM', timers, unpack(spec.drop))
if spec.next then redis.call('ZADD', timers, spec.next.due, spec.next.member) end
expire_terminal(spec.to, spec.retentionMs, shipment, KEYS[spec.byOrder])
emit(spec.event)
return { outcome = 'applied' }
