-- The frame every service script runs in (`bus.commit`). The service's `.lua` file is
-- the body of `body()` below; it sees:
--
--   spec                the value the call site built (ARGV[1], JSON): its own data,
--                       KEYS indexes from `step.key(...)` and events from `step.event(...)`
--   emit(event, fill)   append an event the call site prepared. `fill` sets payload
--                       fields only the script knows, each declared by the call site
--                       with its kind: a count (an integer >= 0), one of a list of
--                       values, or a non-empty subset of the prepared rows with their
--                       counts set. Any other fill fails the script: the payload that
--                       is appended is always one the topic's schema accepts.
--   leave_unhandled()   when the step runs for a handled event, do not mark that event
--                       processed (the caller will decide again, e.g. in another step)
--
-- ARGV[2] (JSON) is the frame's own: `o`, the KEYS index of the service's outbox, and
-- `h`, the handled event's processed mark (its KEYS index, id and score). A handled event already marked makes the whole step a no-op
-- answering {outcome = 'duplicate'}; otherwise the mark is set after the body ran, in
-- the same atomic step as the body's writes and events.
--
-- Redis does not roll back a script that fails halfway: bodies check everything they
-- can before their first write, and emit after their checks.

local spec = cjson.decode(ARGV[1])
local frame = cjson.decode(ARGV[2])
local emitted = {}
local unhandled = false

local function leave_unhandled()
  unhandled = true
end

local function is_count(value)
  return type(value) == 'number' and value >= 0 and value == math.floor(value)
end

-- A filled row must be one of the prepared rows, changed only in its count fields.
local function matches_row(row, prepared, counts)
  local is_count_field = {}
  for _, field in ipairs(counts) do
    if not is_count(row[field]) then return false end
    is_count_field[field] = true
  end
  for field, value in pairs(prepared) do
    if not is_count_field[field] and row[field] ~= value then return false end
  end
  for field in pairs(row) do
    if prepared[field] == nil then return false end
  end
  return true
end

local function check_fill(event, field, value)
  local kind = event.f and event.f[field]
  local fail = function(why)
    error('fill of ' .. event.t .. '.' .. field .. ' refused: ' .. why)
  end
  if kind == nil then fail('not declared by the call site') end
  if kind == 'count' then
    if not is_count(value) then fail('not an integer >= 0') end
  elseif kind.oneOf then
    for _, allowed in ipairs(kind.oneOf) do
      if value == allowed then return end
    end
    fail('not one of the declared values')
  elseif kind.rows then
    if type(value) ~= 'table' or #value == 0 then fail('not a non-empty list of rows') end
    for _, row in ipairs(value) do
      local found = false
      for _, prepared in ipairs(kind.rows) do
        if matches_row(row, prepared, kind.counts) then
          found = true
          break
        end
      end
      if not found then fail('a row that was not prepared') end
    end
  else
    fail('unknown kind')
  end
end

-- Events go to the service's outbox, in the same slot as everything else the step
-- touches (Redis Cluster runs a script on one slot only); the relay appends them to
-- their partition streams: `stream` and `trim` say where and how, then the envelope's
-- fields. The payload is the last field, encoded without the fillable fields; they are
-- added here, filled or as prepared, so the rest of the payload is appended byte for
-- byte as the call site validated it.
local function emit(event, fill)
  if fill == cjson.null then fill = nil end
  local args = event.a
  if event.f then
    fill = fill or {}
    for field in pairs(fill) do check_fill(event, field, fill[field]) end
    local parts = {}
    for field in pairs(event.f) do
      local value = fill[field]
      if value == nil then value = event.p[field] end
      parts[#parts + 1] = cjson.encode(field) .. ':' .. cjson.encode(value)
    end
    local base = args[#args]
    local separator = base == '{}' and '' or ','
    args[#args] = string.sub(base, 1, -2) .. separator .. table.concat(parts, ',') .. '}'
  elseif fill and next(fill) ~= nil then
    error('fill of ' .. event.t .. ' refused: the call site declared no fillable field')
  end
  redis.call('XADD', KEYS[frame.o], '*', 'stream', event.s, 'trim', event.r, unpack(args))
  emitted[#emitted + 1] = event.i
end

local function body()
-- @body
end

local handled = frame.h
if handled and redis.call('ZSCORE', KEYS[handled.k], handled.id) then
  return { cjson.encode({ outcome = 'duplicate' }), {} }
end
local result = body()
if handled and not unhandled then
  redis.call('ZADD', KEYS[handled.k], 'NX', handled.s, handled.id)
end
return { cjson.encode(result), emitted }
