-- Take or keep the relay lease of a service's outbox.
-- KEYS: [1] the lease (a string holding the holder's token)
-- ARGV: [1] this relay's token  [2] the lease's time to live (ms)
-- Returns 'kept' (this relay held it and still does), 'taken' (it was free and is now
-- this relay's: start again from the outbox's first entry) or false (another holds it).
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 'kept'
end
if holder then return false end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'taken'
