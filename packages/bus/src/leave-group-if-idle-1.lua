-- Removes the consumer from its group only if it holds no pending entries, in one step:
-- with the check and the delete apart, a read of the consumer's that lands in between
-- would hand it entries that the delete then drops with its pending list.
--
-- KEYS: [1] stream
-- ARGV: [1] group, [2] consumer
-- Returns 1 when removed, 0 when it still holds entries.
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
