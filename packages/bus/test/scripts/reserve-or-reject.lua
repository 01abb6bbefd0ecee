-- A test script: takes one unit of stock and emits spec.reserved, or emits
-- spec.rejected when none is left.
if tonumber(redis.call('GET', KEYS[spec.stock])) < 1 then
  emit(spec.rejected)
  return { outcome = 'rejected' }
end
redis.call('DECR', KEYS[spec.stock])
emit(spec.reserved)
return { outcome = 'reserved' }
