-- Place an order in one step: the Idempotency-Key check, a check of every line, then
-- either every reservation + the order + order.placed (+ stock.low on crossings), or
-- the rejected order + order.rejected with the short lines; the key is remembered with
-- either outcome. A price that changed since it was read ("stale") writes nothing: the
-- caller retries. With a retention, a rejected order expires after it, and every
-- placement drops the index entries created before it (each entry is removed once, so
-- the cost is amortised).
-- @include "stock-low.lua"
local idem = spec.idem
if idem then
  local record = redis.call('HMGET', KEYS[idem.k], 'hash', 'orderId')
  if record[1] then
    if record[1] == idem.hash then return { outcome = 'replay', orderId = record[2] } end
    return { outcome = 'reused' }
  end
end
local short = {}
for _, line in ipairs(spec.lines) do
  require_low(line.sku)
  local product = redis.call('HMGET', KEYS[line.k], 'priceCents', 'available')
  if not product[1] then return { outcome = 'unknown', sku = line.sku } end
  if product[1] ~= line.price then return { outcome = 'stale', sku = line.sku } end
  local available = tonumber(product[2])
  if available < line.q then
    short[#short + 1] = { sku = line.sku, requested = line.q, available = math.max(available, 0) }
  end
end
-- Every check is done: emit first, so that a refused fill fails the script before any write.
if #short > 0 then emit(spec.rejected, { lines = short }) else emit(spec.placed) end
local order = KEYS[spec.order]
local function remember()
  if idem then
    redis.call('HSET', KEYS[idem.k], 'hash', idem.hash, 'orderId', spec.orderId)
    redis.call('EXPIRE', KEYS[idem.k], idem.ttl)
  end
end
redis.call('HSET', order, unpack(spec.fields))
redis.call('ZADD', KEYS[spec.index], spec.nowMs, spec.orderId)
if spec.retentionMs > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[spec.index], '-inf', '(' .. spec.indexedSince)
end
if #short > 0 then
  redis.call('HSET', order, 'status', 'rejected', 'stock', 'none', 'reason', 'out_of_stock',
    'rejectedLines', cjson.encode(short))
  if spec.retentionMs > 0 then redis.call('PEXPIRE', order, spec.retentionMs) end
  remember()
  return { outcome = 'rejected', lines = short }
end
for _, line in ipairs(spec.lines) do
  redis.call('HINCRBY', KEYS[line.k], 'available', -line.q)
  redis.call('HINCRBY', KEYS[line.k], 'reserved', line.q)
end
redis.call('HSET', order, 'status', 'reserved', 'stock', 'held')
for _, line in ipairs(spec.lines) do check_low(KEYS[line.k], line.sku) end
remember()
return { outcome = 'placed' }
