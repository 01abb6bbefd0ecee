-- Create a product or replace its details: `available` is set, `received` moves by the
-- difference (a stock count correction); stock.low on a crossing.
-- @include "stock-low.lua"
local key = KEYS[spec.product]
require_low(spec.sku)
local created = redis.call('EXISTS', key) == 0
if created then
  redis.call('HSET', key, 'sku', spec.sku, 'reserved', '0', 'shipped', '0',
    'received', spec.available, 'low', '0', 'createdAt', spec.now)
  redis.call('ZADD', KEYS[spec.index], 0, spec.sku)
else
  local before = tonumber(redis.call('HGET', key, 'available'))
  redis.call('HINCRBY', key, 'received', tonumber(spec.available) - before)
end
redis.call('HSET', key, 'name', spec.name, 'priceCents', spec.priceCents,
  'available', spec.available, 'updatedAt', spec.now)
if spec.productThreshold then
  redis.call('HSET', key, 'lowStockThreshold', spec.productThreshold)
else
  redis.call('HDEL', key, 'lowStockThreshold')
end
check_low(key, spec.sku)
return { created = created, product = redis.call('HMGET', key, unpack(spec.fields)) }
