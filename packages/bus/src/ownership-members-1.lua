-- Keeps an instance in the set of a group's live instances for one topic, and lists them:
-- a sorted set by expiry (epoch ms, Redis's clock). An instance that stops renewing
-- (dead, cut off) drops out after its time to live, and the others rebalance without it.
--
-- KEYS: [1] the members
-- ARGV: [1] the instance, [2] time to live (ms)
-- Returns the live instances.
-- @include "lease-now.lua"
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZRANGE', KEYS[1], 0, -1)
