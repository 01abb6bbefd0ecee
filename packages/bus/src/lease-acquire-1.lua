-- Grants a partition's lease to an instance when it is free, expired, or held by the
-- same instance (an earlier tenure of it that ended): a new fencing token each time,
-- greater than every token granted before, also after the lease's hash was lost (a
-- restart without persistence), as a token is never below Redis's clock in µs.
--
-- KEYS: [1] the lease (a hash: holder, token, until — epoch ms, Redis's clock)
-- ARGV: [1] the instance, [2] time to live (ms)
-- Returns { 1, token } when granted, { 0, holder, ms left } when another instance holds it.
-- @include "lease-now.lua"
local now = now_ms()
local lease = redis.call('HMGET', KEYS[1], 'holder', 'token', 'until')
local holder, expires = lease[1], tonumber(lease[3] or '0')
if holder and holder ~= '' and holder ~= ARGV[1] and expires > now then
  return { 0, holder, expires - now }
end
local token = string.format('%d', math.max(tonumber(lease[2] or '0') + 1, now_us()))
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', token,
  'until', string.format('%d', now + tonumber(ARGV[2])))
return { 1, token }
