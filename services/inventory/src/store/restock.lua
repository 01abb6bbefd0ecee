-- Add units to a product's available stock and received count, with stock.restocked
-- (the level after it filled in) and stock.low if still at or below the threshold.
-- @include "stock-low.lua"
local key = KEYS[spec.product]
require_low(spec.sku)
if redis.call('EXISTS', key) == 0 then return { found = false } end
local available = redis.call('HINCRBY', key, 'available', spec.quantity)
redis.call('HINCRBY', key, 'received', spec.quantity)
redis.call('HSET', key, 'updatedAt', spec.now)
emit(spec.restocked, { available = math.max(available, 0) })
check_low(key, spec.sku)
return { found = true, product = redis.call('HMGET', key, unpack(spec.fields)) }
