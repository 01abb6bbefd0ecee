-- Append outbox entries to one partition stream, in outbox order, all or none (a failover
-- or a lost connection halfway leaves nothing to reorder: the batch is tried again whole).
-- KEYS: [1] the partition stream
-- ARGV: per entry, in order: its trim ("MAXLEN ~ 1000" or "MINID ~ <id>"), its field
--       count n, then its n fields (name, value, …) exactly as the outbox holds them
-- Returns the number of entries appended.
local at, appended = 1, 0
while at <= #ARGV do
  local args = {}
  for word in string.gmatch(ARGV[at], '%S+') do args[#args + 1] = word end
  args[#args + 1] = '*'
  local count = tonumber(ARGV[at + 1])
  for index = at + 2, at + 1 + count do args[#args + 1] = ARGV[index] end
  redis.call('XADD', KEYS[1], unpack(args))
  appended = appended + 1
  at = at + 2 + count
end
return appended
