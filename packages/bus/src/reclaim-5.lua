-- Takes over entries that consumers of the group left pending longer than the idle
-- threshold (a crashed, hung or frozen process), up to a count, walking each consumer's
-- own pending list, never the parked consumer's (its entries wait for their due time on
-- purpose). Each claim counts a delivery. An entry trimmed from the stream is given up
-- (dead-lettered from its retry record if the group kept one). The consumers entries
-- were taken from are noted in the takeovers hash, so that their acks check ownership
-- entry by entry until they have checked their claims again.
--
-- KEYS: [1] stream, [2] retry records, [3] dead letters, [4] trimmed counts, [5] takeovers
-- ARGV: [1] group, [2] consumer, [3] parked consumer, [4] min idle ms, [5] count,
--       [6] handler, [7] now (ISO)
-- Returns { {id, fields, deliveries, record or false}…, {id, dead-lettered 0/1}… }.
-- @include "give-up-trimmed.lua"
local claimed, trimmed = {}, {}
local wanted = tonumber(ARGV[5])
for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  if #claimed >= wanted then break end
  local name
  for index = 1, #row, 2 do if row[index] == 'name' then name = row[index + 1] end end
  if name and name ~= ARGV[3] then
    local idle = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[4], '-', '+', wanted - #claimed, name)
    for _, pending in ipairs(idle) do
      local id = pending[1]
      local record = redis.call('HGET', KEYS[2], id)
      if #redis.call('XRANGE', KEYS[1], id, id) == 0 then
        give_up_trimmed(KEYS[1], KEYS[3], KEYS[2], KEYS[4], ARGV[1], ARGV[6], id, record, ARGV[7])
        trimmed[#trimmed + 1] = { id, record and 1 or 0 }
      else
        local entry = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
        claimed[#claimed + 1] = { id, entry[1][2], pending[4] + 1, record }
        redis.call('HSET', KEYS[5], name, 1)
      end
    end
  end
end
return { claimed, trimmed }
