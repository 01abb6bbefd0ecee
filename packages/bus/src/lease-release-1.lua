-- Gives a partition's lease up (a handover), so the instance it is assigned to takes it at
-- once instead of after its time to live. The token stays: the next grant exceeds it.
--
-- KEYS: [1] the lease
-- ARGV: [1] the holder's token
-- Returns 1 when released, 0 when it was not the holder's any more.
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'holder', '', 'until', '0')
return 1
