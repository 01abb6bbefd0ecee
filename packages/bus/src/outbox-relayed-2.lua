-- Delete outbox entries the relay appended to their topics, only while it holds the lease
-- (fenced: a relay that lost its lease, paused past its TTL, deletes nothing and stops).
-- KEYS: [1] the outbox  [2] its relay lease
-- ARGV: [1] the relay's token  [2] the lease's time to live (ms)  [3..] entry ids
-- Returns 1, or 0 when the lease is not this relay's.
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if #ARGV > 2 then redis.call('XDEL', KEYS[1], unpack(ARGV, 3)) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
