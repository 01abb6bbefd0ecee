-- Counts the entries of a stream that were trimmed before the group read them, and
-- records the count so that each loss is reported once, whichever consumer sees it.
-- Redis 7 keeps counting a group's reads (entries-read) as it skips trimmed entries, so
-- its lag stays larger than what is left to read by exactly the entries the group never
-- saw. What is left to read is known cheaply when the group is caught up (nothing) or
-- has not reached the first entry (everything); otherwise the entries after its position
-- are counted, and past 10 000 of them the check waits for a cheaper moment.
--
-- KEYS: [1] stream, [2] trimmed counts
-- ARGV: [1] group
-- Returns how many more entries were lost since the last check, or false when Redis
-- cannot tell now (no such group, or its lag is unknown).
local function fields(row)
  local map = {}
  for index = 1, #row, 2 do map[row[index]] = row[index + 1] end
  return map
end
local function before(left, right)
  local lms, lseq = string.match(left, '^(%d+)-(%d+)$')
  local rms, rseq = string.match(right, '^(%d+)-(%d+)$')
  lms, lseq, rms, rseq = tonumber(lms), tonumber(lseq), tonumber(rms), tonumber(rseq)
  return lms < rms or (lms == rms and lseq < rseq)
end
local group
for _, row in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local candidate = fields(row)
  if candidate['name'] == ARGV[1] then group = candidate end
end
if not group or not group['lag'] then return false end
local lag = tonumber(group['lag'])
local position = group['last-delivered-id']
local stream = fields(redis.call('XINFO', 'STREAM', KEYS[1]))
local unread
if stream['length'] == 0 or not before(position, stream['last-generated-id']) then
  unread = 0
elseif before(position, stream['first-entry'][1]) then
  unread = stream['length']
elseif lag > 10000 then
  return false
else
  unread = #redis.call('XRANGE', KEYS[1], '(' .. position, '+', 'COUNT', lag + 1)
end
local lost = math.max(0, lag - unread)
local counted = tonumber(redis.call('HGET', KEYS[2], 'unread') or '0')
if lost ~= counted then redis.call('HSET', KEYS[2], 'unread', lost) end
-- fewer than counted: the group was recreated and counts from nothing again
return math.max(0, lost - counted)
