// The bus's EVALSHA-with-NOSCRIPT-fallback helper, under the name this service uses.
import { Script as LuaScript } from "@retail/bus";

export { LuaScript };

/**
 * `expire_terminal(status, retention, shipment, byOrder)`: once a shipment is delivered,
 * cancelled or failed, it and its order's shipment-by-order key expire after `retention`
 * ms (`'0'`: kept forever).
 *
 * The shipment-by-order key is what keeps "one shipment per order" against a redelivered
 * order.placed, so expiring it reopens that door for an order.placed that arrives after
 * the retention. Nothing redelivers that late by itself: a redelivery happens while the
 * entry is pending (seconds to minutes), the bus's processed marks last an hour and the
 * streams are trimmed to their retention; 7 days leaves days of margin. Only an operator
 * replaying a dead-lettered order.placed older than the retention would create a second
 * shipment.
 */
const EXPIRE_TERMINAL = `
local function expire_terminal(status, retention, shipment, byOrder)
  local ms = tonumber(retention)
  if ms > 0 and (status == 'delivered' or status == 'cancelled' or status == 'failed') then
    redis.call('PEXPIRE', shipment, ms)
    redis.call('PEXPIRE', byOrder, ms)
  end
end
`;

/**
 * Create the one shipment of an order, in one step with its event and the group's
 * processed mark. The shipment-by-order key is written with `SET NX`: whoever comes
 * second (a redelivery, another instance, a duplicate event) creates nothing. A
 * shipment created terminal (failed, cancelled) expires with that key after the
 * retention (see {@link EXPIRE_TERMINAL}). Two
 * variants come prepared: the normal one (pending with a dispatch timer and
 * shipment.created, or failed with shipment.failed) and, when a cancellation for the
 * order arrived first, the cancelled one (shipment.cancelled).
 *
 * KEYS: processed, shipment-by-order, shipment, timers, cancelled-order, normal stream,
 *       cancelled stream
 * ARGV: event id ('' = no mark), mark score, shipment id, retention (ms, 0 = forever),
 *       then per variant: n, hash field/values (n), timer member ('' = none), timer due,
 *       m, XADD args (m)
 * Returns {outcome, shipmentId}: outcome 'duplicate', 'exists', 'normal' or 'cancelled'.
 */
export const CREATE_SHIPMENT = new LuaScript(`${EXPIRE_TERMINAL}
if ARGV[1] ~= '' and redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {'duplicate', ''} end
local function mark()
  if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) end
end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX') then
  mark()
  return {'exists', redis.call('GET', KEYS[2])}
end
local chosen = 1
if redis.call('EXISTS', KEYS[5]) == 1 then chosen = 2 end
local position = 5
for variant = 1, 2 do
  local hashCount = tonumber(ARGV[position])
  local hashFirst = position + 1
  position = hashFirst + hashCount
  local timerMember, timerDue = ARGV[position], ARGV[position + 1]
  local eventCount = tonumber(ARGV[position + 2])
  local eventFirst = position + 3
  position = eventFirst + eventCount
  if variant == chosen then
    redis.call('HSET', KEYS[3], unpack(ARGV, hashFirst, hashFirst + hashCount - 1))
    if timerMember ~= '' then redis.call('ZADD', KEYS[4], timerDue, timerMember) end
    redis.call('XADD', KEYS[5 + variant], unpack(ARGV, eventFirst, eventFirst + eventCount - 1))
    expire_terminal(redis.call('HGET', KEYS[3], 'status'), ARGV[4], KEYS[3], KEYS[2])
  end
end
if chosen == 2 then redis.call('DEL', KEYS[5]) end
mark()
if chosen == 1 then return {'normal', ARGV[3]} end
return {'cancelled', ARGV[3]}
`);

/**
 * Move a shipment from one status to the next, guarded by its current status: the
 * status, history entry, timers and event commit together or not at all. When fired
 * by a timer, the timer must still be there and due; removing it is part of the same
 * step, so a crash before this script runs leaves the timer for the next poll and a
 * second instance firing the same timer finds it gone. A timer whose shipment moved
 * on (cancelled, moved by hand) is dropped.
 *
 * A shipment entering a terminal status expires with its order's shipment-by-order key
 * after the retention (see {@link EXPIRE_TERMINAL}).
 *
 * KEYS: shipment, timers, processed, event stream, shipment-by-order
 * ARGV: from, to, at, history entry (JSON), timer member ('' = not a timer), now (ms),
 *       next timer member ('' = none), next due, event id to mark ('' = none), mark
 *       score, reason ('' = none), published event id, retention (ms, 0 = forever), n,
 *       timer members to drop (n), XADD args
 * Returns {outcome, detail}: 'applied', 'wrong_state' (detail: current status),
 *       'not_found', 'timer_gone' or 'duplicate'.
 */
export const TRANSITION = new LuaScript(`${EXPIRE_TERMINAL}
if ARGV[9] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[9]) then return {'duplicate', ''} end
if ARGV[5] ~= '' then
  local due = redis.call('ZSCORE', KEYS[2], ARGV[5])
  if not due or tonumber(due) > tonumber(ARGV[6]) then return {'timer_gone', ''} end
end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= ARGV[1] then
  if ARGV[5] ~= '' then redis.call('ZREM', KEYS[2], ARGV[5]) end
  if not status then return {'not_found', ''} end
  return {'wrong_state', status}
end
local history = redis.call('HGET', KEYS[1], 'history')
history = string.sub(history, 1, -2) .. ',' .. ARGV[4] .. ']'
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updatedAt', ARGV[3], 'history', history,
  'lastEventId', ARGV[12])
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[11]) end
local dropCount = tonumber(ARGV[14])
if dropCount > 0 then redis.call('ZREM', KEYS[2], unpack(ARGV, 15, 14 + dropCount)) end
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[2], ARGV[8], ARGV[7]) end
redis.call('XADD', KEYS[4], unpack(ARGV, 15 + dropCount))
expire_terminal(ARGV[2], ARGV[13], KEYS[1], KEYS[5])
if ARGV[9] ~= '' then redis.call('ZADD', KEYS[3], 'NX', ARGV[10], ARGV[9]) end
return {'applied', ARGV[2]}
`);

/**
 * Remember an order.cancel-requested whose order has no shipment yet (it arrived before
 * order.placed), with the group's processed mark. Refuses when the shipment appeared
 * meanwhile, so the caller decides on that instead.
 *
 * KEYS: processed, shipment-by-order, cancelled-order
 * ARGV: event id, mark score, TTL (ms)
 * Returns 'duplicate', 'shipment_exists' or 'remembered'.
 */
export const REMEMBER_CANCELLATION = new LuaScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'duplicate' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'shipment_exists' end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
return 'remembered'
`);

/**
 * Answer a cancel request for a shipment already past pending, with the group's
 * processed mark: append shipment.cancel-refused, or nothing for a shipment that is
 * cancelled already (its shipment.cancelled is the answer). Guarded by the status the
 * caller decided on; a shipment that moved on meanwhile is decided again.
 *
 * KEYS: shipment, processed, event stream
 * ARGV: expected status, event id to mark, mark score, XADD args (none: append nothing)
 * Returns {outcome, status}: 'duplicate', 'moved' (status: the current one, '' when
 *       gone) or 'decided'.
 */
export const REFUSE_CANCELLATION = new LuaScript(`
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return {'duplicate', ''} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= ARGV[1] then return {'moved', status or ''} end
if #ARGV > 3 then redis.call('XADD', KEYS[3], unpack(ARGV, 4)) end
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[2])
return {'decided', status}
`);
