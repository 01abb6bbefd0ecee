-- Flip one client offline and emit spec.wentOffline (client.offline), only if it is
-- still online with the lastSeenMs the sweep read (a compare-and-set: a heartbeat in
-- between, or another instance's sweep, wins). A client that is not online leaves the
-- online index. Without spec.wentOffline (the sweep found no usable record) it only
-- does that.
local client = KEYS[spec.client]
local state = redis.call('HMGET', client, 'status', 'lastSeenMs')
if state[1] ~= 'online' then
  redis.call('ZREM', KEYS[spec.online], spec.clientId)
  return { flipped = false }
end
if not spec.wentOffline or state[2] ~= spec.lastSeenMs then return { flipped = false } end
redis.call('HSET', client, 'status', 'offline', 'offlineAt', spec.offlineAt)
redis.call('ZREM', KEYS[spec.online], spec.clientId)
emit(spec.wentOffline)
return { flipped = true }
