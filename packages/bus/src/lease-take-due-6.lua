-- take-due-5.lua for the holder of a partition's lease (ordering: "per-key"), only while
-- it holds it: an instance that lost the lease (paused past its time to live) must not
-- take a parked entry the new holder's lane of that key waits for.
--
-- KEYS: [1] stream, [2] parked, [3] retry records, [4] dead letters, [5] trimmed counts,
--       [6] lease
-- ARGV: as take-due-5.lua, then [7] token
-- Returns what take-due-5.lua returns; an error reply LEASELOST when the lease is not held
-- with this token.
-- @include "lease-now.lua"
if not lease_held(KEYS[6], ARGV[7], now_ms()) then
  return redis.error_reply('LEASELOST ' .. KEYS[6] .. ' is not held with token ' .. ARGV[7])
end
-- @include "take-due-5.lua"
