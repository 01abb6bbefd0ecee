-- Parks entries this consumer owns: moves them to the parked consumer, schedules them
-- and stores their retry records. An entry whose stream entry is gone (trimmed) is not
-- parked (moving it would drop it from the pending list) but given up, dead-lettered
-- from its record. An entry parked already counts as parked: the client sends a
-- command again after a reconnect when its reply was lost.
--
-- KEYS: [1] stream, [2] parked, [3] retry records, [4] dead letters, [5] trimmed counts
-- ARGV: [1] group, [2] consumer, [3] parked consumer, [4] handler, [5] now (ISO),
--       then per entry: id, due (epoch ms), record (JSON), deliveries to set or ""
-- Returns { refused ids, trimmed ids }.
-- @include "give-up-trimmed.lua"
local refused, trimmed = {}, {}
for index = 6, #ARGV, 4 do
  local id, due, record, deliveries = ARGV[index], ARGV[index + 1], ARGV[index + 2], ARGV[index + 3]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)[1]
  if pending and pending[2] == ARGV[3] and redis.call('ZSCORE', KEYS[2], id) then
    -- parked already: this call was sent again after its reply was lost
  elseif not pending or pending[2] ~= ARGV[2] then
    refused[#refused + 1] = id
  elseif #redis.call('XRANGE', KEYS[1], id, id) == 0 then
    give_up_trimmed(KEYS[1], KEYS[4], KEYS[3], KEYS[5], ARGV[1], ARGV[4], id, record, ARGV[5])
    trimmed[#trimmed + 1] = id
  else
    if deliveries == '' then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, id, 'JUSTID')
    else
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, id, 'RETRYCOUNT', deliveries, 'JUSTID')
    end
    redis.call('ZADD', KEYS[2], due, id)
    redis.call('HSET', KEYS[3], id, record)
  end
end
return { refused, trimmed }
