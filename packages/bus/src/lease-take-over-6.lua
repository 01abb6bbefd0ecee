-- The new holder of a partition's lease takes every entry of the group still pending
-- there — left by the previous holder (dead, cut off, or handing over), by earlier
-- tenures, parked for a retry when asked — in stream order, a batch at a time, before
-- it reads anything new: so the entries of one key keep their order across holders.
-- Fenced by its token. Claiming counts a delivery (not for its own entries, found again
-- after a read whose reply was lost). A parked entry leaves the parked set: it runs now.
-- An entry trimmed from the stream is given up (dead-lettered from its retry record if
-- the group kept one). Once through, consumers left with nothing pending are removed.
--
-- KEYS: [1] stream, [2] lease, [3] retry records, [4] dead letters, [5] trimmed counts,
--       [6] parked
-- ARGV: [1] group, [2] consumer, [3] token, [4] parked consumer, [5] after this id ('-'
--       for the start), [6] count, [7] '1' to take parked entries too, [8] handler,
--       [9] now (ISO)
-- Returns { {id, fields, deliveries, record or false, from}…, {id, dead-lettered 0/1}…,
--   last id looked at or false, 1 when through }, `from` being 'held' (another consumer
--   held it), 'parked' or 'own'; an error reply LEASELOST when the lease is not held with
--   this token.
-- @include "lease-now.lua"
-- @include "give-up-trimmed.lua"
if not lease_held(KEYS[2], ARGV[3], now_ms()) then
  return redis.error_reply('LEASELOST ' .. KEYS[2] .. ' is not held with token ' .. ARGV[3])
end
local group, me, parked = ARGV[1], ARGV[2], ARGV[4]
local wanted = tonumber(ARGV[6])
local from = ARGV[5] == '-' and '-' or ('(' .. ARGV[5])
local rows = redis.call('XPENDING', KEYS[1], group, from, '+', wanted)
local taken, trimmed, last = {}, {}, false
for _, row in ipairs(rows) do
  local id, owner, deliveries = row[1], row[2], row[4]
  last = id
  if owner ~= parked or ARGV[7] == '1' then
    local record = redis.call('HGET', KEYS[3], id)
    local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
    if not entry then
      give_up_trimmed(KEYS[1], KEYS[4], KEYS[3], KEYS[5], group, ARGV[8], id, record, ARGV[9])
      redis.call('ZREM', KEYS[6], id)
      trimmed[#trimmed + 1] = { id, record and 1 or 0 }
    elseif owner == me then
      taken[#taken + 1] = { id, entry[2], deliveries, record, 'own' }
    else
      redis.call('XCLAIM', KEYS[1], group, me, 0, id, 'RETRYCOUNT', deliveries + 1, 'JUSTID')
      if owner == parked then redis.call('ZREM', KEYS[6], id) end
      taken[#taken + 1] = { id, entry[2], deliveries + 1, record, owner == parked and 'parked' or 'held' }
    end
  end
end
local through = #rows < wanted
if through then
  for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], group)) do
    local name, pending
    for index = 1, #consumer, 2 do
      if consumer[index] == 'name' then name = consumer[index + 1] end
      if consumer[index] == 'pending' then pending = consumer[index + 1] end
    end
    if name ~= me and name ~= parked and pending == 0 then
      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], group, name)
    end
  end
end
return { taken, trimmed, last, through and 1 or 0 }
