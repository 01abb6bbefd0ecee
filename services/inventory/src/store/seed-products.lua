-- Create the demo products that do not exist yet, once per Redis: the marker is set NX,
-- so instances starting together or restarting seed once; an existing SKU is kept.
-- @include "stock-low.lua"
for _, product in ipairs(spec.products) do require_low(product.sku) end
if not redis.call('SET', KEYS[spec.marker], spec.now, 'NX') then
  return { seeded = false }
end
local created = {}
for _, product in ipairs(spec.products) do
  local key = KEYS[product.k]
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'sku', product.sku, 'name', product.name,
      'priceCents', product.priceCents, 'available', product.available, 'reserved', '0',
      'shipped', '0', 'received', product.available, 'low', '0',
      'createdAt', spec.now, 'updatedAt', spec.now)
    redis.call('ZADD', KEYS[spec.index], 0, product.sku)
    check_low(key, product.sku)
    created[#created + 1] = product.sku
  end
end
if #created == 0 then return { seeded = true } end
return { seeded = true, created = created }
