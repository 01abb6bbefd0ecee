-- Extends a partition's lease for its holder, only while the holder's token is still the
-- lease's: once another instance was granted it (or the holder released it), the token
-- changed and nothing is extended.
--
-- KEYS: [1] the lease
-- ARGV: [1] the holder's token, [2] time to live (ms)
-- Returns 1 when extended, 0 when the lease is not the holder's any more.
-- @include "lease-now.lua"
local lease = redis.call('HMGET', KEYS[1], 'holder', 'token')
if lease[2] ~= ARGV[1] or not lease[1] or lease[1] == '' then return 0 end
redis.call('HSET', KEYS[1], 'until', string.format('%d', now_ms() + tonumber(ARGV[2])))
return 1
