-- Store a topic/group's count (spec.field of the seen-counts hash) only if the stored one
-- is still spec.expected, the one the check read ("" when none): a compare-and-set, so
-- several instances never raise the same alert. With spec.alert (the count grew), raise
-- it in the same step.
-- @include "raise-alert.lua"
local seen = KEYS[spec.seen]
local current = redis.call('HGET', seen, spec.field) or ''
if current ~= spec.expected then return { outcome = 'stale' } end
redis.call('HSET', seen, spec.field, spec.count)
if not spec.alert then return { outcome = 'stored' } end
raise_alert(spec.alert)
return { outcome = 'raised' }
