-- Acknowledges the entries this consumer still owns and counts the others: an entry
-- another consumer took over (this one froze past the idle threshold) is that one's to
-- acknowledge. Drops the retry records of the acknowledged entries, if the partition
-- has any. Ownership needs checking only when the consumer is on the takeovers hash
-- (another consumer took entries over from it since its last heartbeat): then one
-- XPENDING over its own pending list, between the batch's smallest and largest ids,
-- says which it still owns.
--
-- KEYS: [1] stream, [2] retry records, [3] takeovers
-- ARGV: [1] group, [2] consumer, [3] smallest id, [4] largest id, [5…] entry ids
-- Returns how many were refused.
local acked, refused = {}, 0
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then
  for index = 5, #ARGV do acked[#acked + 1] = ARGV[index] end
else
  local owned = {}
  for _, row in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[4], 1000000, ARGV[2])) do
    owned[row[1]] = true
  end
  for index = 5, #ARGV do
    if owned[ARGV[index]] then acked[#acked + 1] = ARGV[index] else refused = refused + 1 end
  end
end
local records = redis.call('EXISTS', KEYS[2]) == 1
for first = 1, #acked, 1000 do
  local last = math.min(first + 999, #acked)
  redis.call('XACK', KEYS[1], ARGV[1], unpack(acked, first, last))
  if records then redis.call('HDEL', KEYS[2], unpack(acked, first, last)) end
end
return refused
