-- Acknowledges entries of a partition for the holder of its lease, only while its token
-- is still the lease's: once another instance was granted the lease it owns every entry
-- pending there (it claims them before anything else), and an ack from the old holder
-- would drop what the new one is handling. Drops the retry records of the acknowledged
-- entries, if the partition has any.
--
-- KEYS: [1] stream, [2] retry records, [3] lease
-- ARGV: [1] group, [2] token, [3…] entry ids
-- Returns 0, or -1 when the lease is not held with this token (nothing acknowledged).
if redis.call('HGET', KEYS[3], 'token') ~= ARGV[2] then return -1 end
local records = redis.call('EXISTS', KEYS[2]) == 1
for first = 3, #ARGV, 1000 do
  local last = math.min(first + 999, #ARGV)
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, first, last))
  if records then redis.call('HDEL', KEYS[2], unpack(ARGV, first, last)) end
end
return 0
