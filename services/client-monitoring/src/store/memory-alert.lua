-- Raise the redis_memory_high alert of one Redis node once per crossing of the alert
-- ratio: spec.field (the node) is set in the alerted hash when it is raised, and
-- cleared (spec.clear) once the node's memory is back under the re-arm ratio. A
-- compare-and-set on the hash, so several instances never raise it twice.
-- @include "raise-alert.lua"
local alerted = KEYS[spec.alerted]
if spec.clear then
  redis.call('HDEL', alerted, spec.field)
  return { outcome = 'cleared' }
end
if redis.call('HSETNX', alerted, spec.field, spec.ratio) == 0 then
  return { outcome = 'already_raised' }
end
raise_alert(spec.alert)
return { outcome = 'raised' }
