-- Resets the idle time of the entries this consumer still owns (XCLAIM … JUSTID counts
-- no delivery), so that no other consumer reclaims an entry whose handler is slow but
-- alive. Checking ownership first, in the same script, keeps a consumer that was frozen
-- past the idle threshold from stealing back an entry already reclaimed. An entry
-- trimmed from the stream is left as it is: claiming it would drop it from the pending
-- list while its handler still runs. With none lost, the consumer is taken off the
-- takeovers hash: its later acks need no check one by one.
--
-- KEYS: [1] stream, [2] takeovers
-- ARGV: [1] group, [2] consumer, [3…] entry ids
-- Returns the ids no longer owned.
local lost = {}
for index = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[index], ARGV[index], 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    if #redis.call('XRANGE', KEYS[1], ARGV[index], ARGV[index]) > 0 then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[index], 'JUSTID')
    end
  else
    lost[#lost + 1] = ARGV[index]
  end
end
if #lost == 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
return lost
