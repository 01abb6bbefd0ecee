-- stock.low, once per crossing: included by every script that sets or moves `available`.
-- Needs `spec.threshold` (the service default) and `spec.low[sku]`, a prepared stock.low
-- per SKU whose `available` and `threshold` are count fills (store/stock-low.ts).

-- Fails the script when a SKU's stock.low or the default threshold is missing. Call it
-- before the first write: Redis does not roll back a script that fails halfway.
local function require_low(sku)
  if type(spec.threshold) ~= 'number' then error('spec.threshold must be a number') end
  if not (spec.low and spec.low[sku]) then
    error('no stock.low event prepared for ' .. sku)
  end
end

-- Emits stock.low when the product's `available` is at or below its threshold and it was
-- not flagged low already; the flag clears once stock is above the threshold again, so
-- the next crossing emits again. `available` below zero (units that left after their
-- release, see the README) is reported as 0.
local function check_low(key, sku)
  local product = redis.call('HMGET', key, 'available', 'lowStockThreshold', 'low')
  local available = tonumber(product[1]) or 0
  local threshold = tonumber(product[2]) or spec.threshold
  if available <= threshold then
    if product[3] ~= '1' then
      redis.call('HSET', key, 'low', '1')
      emit(spec.low[sku], { available = math.max(available, 0), threshold = threshold })
    end
  elseif product[3] == '1' then
    redis.call('HSET', key, 'low', '0')
  end
end
