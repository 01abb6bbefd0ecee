-- A test script: runs each of spec.calls ({command, KEYS index, args...}), then emits
-- each of spec.events; with spec.unhandled, leaves the handled event unmarked. Stands in
-- for a service's script in the bus's own tests.
if spec.unhandled then leave_unhandled() end
for _, call in ipairs(spec.calls) do
  redis.call(call[1], KEYS[call[2]], unpack(call, 3))
end
for _, event in ipairs(spec.events) do emit(event) end
return { outcome = 'applied', emitted = #spec.events }
