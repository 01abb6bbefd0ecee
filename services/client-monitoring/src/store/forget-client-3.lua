-- Forget an offline client not seen since the lastSeenMs the sweep read.
-- KEYS: client hash, all clients (zset), online clients (zset)
-- ARGV: clientId, lastSeenMs read ("" when it had none)
local state = redis.call('HMGET', KEYS[1], 'status', 'lastSeenMs')
if state[1] == 'online' or (state[2] and state[2] ~= ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
