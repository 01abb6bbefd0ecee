-- Included by the lease scripts: Redis's clock in epoch ms, the one clock every instance
-- of a group agrees on (their own clocks may drift apart).
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- Redis's clock in epoch µs (about 1.8e15: exact in Lua's doubles up to 9e15). Fencing
-- tokens never fall below it: two grants in one millisecond still get distinct tokens.
local function now_us()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end

-- Whether the lease (KEYS of a hash: holder, token, until) is held with this token and
-- has not expired.
local function lease_held(lease, token, now)
  local held = redis.call('HMGET', lease, 'token', 'until')
  return held[1] == token and tonumber(held[2] or '0') > now
end
