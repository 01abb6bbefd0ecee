-- Included by the scripts that raise alerts (`-- @include "raise-alert.lua"`): raise the
-- alert a call site declared with `AlertBook.raiseIn`, i.e. put its entry at the head of
-- the alert list, capped at `kept`, and emit its alert.raised event.
local function raise_alert(alert)
  redis.call('LPUSH', KEYS[alert.list], alert.entry)
  redis.call('LTRIM', KEYS[alert.list], 0, alert.kept - 1)
  emit(alert.event)
end
