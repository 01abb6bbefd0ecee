-- Record one handled event (run with the event as the step's cause, so its processed
-- mark is set in the same step): file it in each of its timelines (capped at
-- spec.maxEvents, the oldest go; TTL renewed), count it in its topic's per-second rate
-- bucket, and raise the alert it calls for.
-- @include "raise-alert.lua"
for _, timeline in ipairs(spec.timelines) do
  local key = KEYS[timeline]
  redis.call('ZADD', key, spec.score, spec.entry)
  redis.call('ZREMRANGEBYRANK', key, 0, -(spec.maxEvents + 1))
  redis.call('PEXPIRE', key, spec.ttlMs)
end
if spec.rate then
  redis.call('INCR', KEYS[spec.rate.key])
  redis.call('EXPIRE', KEYS[spec.rate.key], spec.rate.ttlSeconds)
end
if spec.alert then raise_alert(spec.alert) end
return { outcome = 'recorded' }
