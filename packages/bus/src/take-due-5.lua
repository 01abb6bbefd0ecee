-- Takes up to a count of parked entries that are due, oldest due first, claiming each
-- for this consumer (a delivery). One whose stream entry was trimmed meanwhile is given
-- up, dead-lettered from its record; one the group no longer has pending (the group
-- was recreated) is forgotten.
--
-- KEYS: [1] stream, [2] parked, [3] retry records, [4] dead letters, [5] trimmed counts
-- ARGV: [1] group, [2] consumer, [3] now (epoch ms), [4] count, [5] handler, [6] now (ISO)
-- Returns { {id, fields, deliveries, record or false}…, trimmed ids, next due or false }.
-- @include "give-up-trimmed.lua"
local taken, trimmed = {}, {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  local record = redis.call('HGET', KEYS[3], id)
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)[1]
  if #redis.call('XRANGE', KEYS[1], id, id) == 0 then
    give_up_trimmed(KEYS[1], KEYS[4], KEYS[3], KEYS[5], ARGV[1], ARGV[5], id, record, ARGV[6])
    trimmed[#trimmed + 1] = id
  elseif not pending then
    redis.call('HDEL', KEYS[3], id)
  else
    local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
    taken[#taken + 1] = { id, claimed[1][2], pending[4] + 1, record }
  end
end
local next = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
return { taken, trimmed, next or false }
