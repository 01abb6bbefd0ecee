-- Reads new entries of a partition for the holder of its lease, only while it holds it
-- (fenced by its token): an instance that lost the lease — paused past its time to live,
-- cut off — cannot take entries the new holder must handle in order.
--
-- KEYS: [1] stream, [2] lease
-- ARGV: [1] group, [2] consumer, [3] token, [4] count
-- Returns { entries, false } or, with none new, { {}, the stream's last id } to wait past;
-- an error reply LEASELOST when the lease is not held with this token.
-- @include "lease-now.lua"
if not lease_held(KEYS[2], ARGV[3], now_ms()) then
  return redis.error_reply('LEASELOST ' .. KEYS[2] .. ' is not held with token ' .. ARGV[3])
end
local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[4],
  'STREAMS', KEYS[1], '>')
if reply and reply[1] and #reply[1][2] > 0 then return { reply[1][2], false } end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
return { {}, last and last[1] or '0-0' }
