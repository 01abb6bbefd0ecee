-- Give up the relay lease on a clean shutdown, so another instance takes over at once.
-- KEYS: [1] the lease   ARGV: [1] the relay's token
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
