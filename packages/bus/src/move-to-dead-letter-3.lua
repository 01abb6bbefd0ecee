-- Moves an entry to its dead-letter stream and acknowledges it, only if this consumer
-- still owns it: a consumer that lost the entry to another (it froze past the idle
-- threshold) must not dead-letter what the other may be handling right now. Drops the
-- entry's retry record too.
--
-- KEYS: [1] stream, [2] dead letters, [3] retry records
-- ARGV: [1] group, [2] consumer, [3] entry id, [4…] the dead letter's fields
-- Returns 1 when moved, 0 when refused.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if not pending or pending[2] ~= ARGV[2] then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3])
return 1
