-- A test script: emits spec.event with spec.fill, or leaves the handled event
-- unmarked when spec.unhandled is set.
if spec.unhandled then
  leave_unhandled()
  return { outcome = 'left' }
end
emit(spec.event, spec.fill)
return { outcome = 'emitted' }
