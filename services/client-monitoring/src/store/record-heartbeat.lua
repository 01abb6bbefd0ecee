-- Record a client app's heartbeat; on its first, or its first since it went offline,
-- mark it online and emit spec.cameOnline (client.online). lastSeen never moves back
-- (instances' clocks may differ a little). spec.seenMs is a string: stored as sent.
local client = KEYS[spec.client]
local state = redis.call('HMGET', client, 'status', 'lastSeenMs')
local newer = (not state[2]) or tonumber(state[2]) <= tonumber(spec.seenMs)
redis.call('HSET', client, 'clientId', spec.clientId, 'app', spec.app, 'version', spec.version)
if newer then
  redis.call('HSET', client, 'lastSeen', spec.seenAt, 'lastSeenMs', spec.seenMs)
  redis.call('ZADD', KEYS[spec.lastSeen], spec.seenMs, spec.clientId)
end
local seen = redis.call('HGET', client, 'lastSeenMs')
redis.call('ZADD', KEYS[spec.online], seen, spec.clientId)
if state[1] == 'online' then return { cameOnline = false } end
redis.call('HSET', client, 'status', 'online', 'onlineAt', spec.seenAt)
emit(spec.cameOnline)
return { cameOnline = true }
