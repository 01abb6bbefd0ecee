-- Of some entries, those pending with this consumer, with their fields, deliveries and
-- records: entries it took back from parking without ever seeing the reply (the
-- connection dropped), which it would otherwise find only by reclaiming them from
-- itself after the idle threshold.
--
-- KEYS: [1] stream, [2] retry records
-- ARGV: [1] group, [2] consumer, [3…] entry ids
-- Returns { {id, fields, deliveries, record or false}… }.
local owned = {}
for index = 3, #ARGV do
  local id = ARGV[index]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)[1]
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if pending and pending[2] == ARGV[2] and entry then
    owned[#owned + 1] = { id, entry[2], pending[4], redis.call('HGET', KEYS[2], id) }
  end
end
return owned
