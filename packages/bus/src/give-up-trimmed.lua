-- Included by the scripts that find a pending entry trimmed from its stream: it can
-- never be delivered again, so it leaves the pending list and its retry record, counts
-- as trimmed (`pending`), and, when the group kept its fields in a record, becomes a
-- dead letter (`trimmed`) written from them, as move-to-dead-letter-3.lua would have.
-- Arguments: the stream, dead-letter, retry-records and trimmed-count keys, the group,
-- the handler's name, the entry id, the record (JSON, or false) and the time now (ISO).
local function give_up_trimmed(stream, dead, records, trimmed, group, handler, id, record, now)
  if record then
    local kept = cjson.decode(record)
    local error = 'trimmed from its stream while it waited to be retried'
    if kept.error and kept.error ~= '' then error = error .. '; last error: ' .. kept.error end
    local first = kept.firstFailedAt
    if not first or first == '' then first = now end
    local last = kept.lastFailedAt
    if not last or last == '' then last = now end
    redis.call('XADD', dead, '*', 'reason', 'trimmed', 'error', error, 'handler', handler,
      'group', group, 'attempts', tostring(kept.failures or 0), 'firstFailedAt', first,
      'lastFailedAt', last, 'sourceStream', stream, 'sourceEntryId', id, 'entry', kept.entry)
  end
  redis.call('XACK', stream, group, id)
  redis.call('HDEL', records, id)
  redis.call('HINCRBY', trimmed, 'pending', 1)
end
