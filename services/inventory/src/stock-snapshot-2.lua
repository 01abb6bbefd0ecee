-- Every order and every product with their fields, read at one instant (a script runs
-- atomically): KEYS[1] the orders index, KEYS[2] the products index; ARGV[1] and ARGV[2]
-- their hash key prefixes, ARGV[3] and ARGV[4] the fields to read (JSON arrays).
local function rows(index, prefix, fields)
  local found = {}
  for _, id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    found[#found + 1] = { id, redis.call('HMGET', prefix .. id, unpack(fields)) }
  end
  return found
end
return { rows(KEYS[1], ARGV[1], cjson.decode(ARGV[3])), rows(KEYS[2], ARGV[2], cjson.decode(ARGV[4])) }
