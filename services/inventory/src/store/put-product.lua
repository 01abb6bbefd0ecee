-- Create a product or replace its details: `available` is set, `received` moves by the
-- difference (a stock count correction); product.price-changed when an existing
-- product's price changed; stock.low on a crossing.
-- @include "stock-low.lua"
local key = KEYS[spec.product]
require_low(spec.sku)
local created = redis.call('EXISTS', key) == 0
if created then
  redis.call('HSET', key, 'sku', spec.sku, 'reserved', '0', 'shipped', '0',
    'received', spec.available, 'low', '0', 'createdAt', spec.now)
  redis.call('ZADD', KEYS[spec.index], 0, spec.sku)
else
  local before = redis.call('HMGET', key, 'available', 'priceCents')
  redis.call('HINCRBY', key, 'received', tonumber(spec.available) - tonumber(before[1]))
  if before[2] ~= spec.priceCents then
    emit(spec.priceChanged, { previousPriceCents = tonumber(before[2]) })
  end
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
