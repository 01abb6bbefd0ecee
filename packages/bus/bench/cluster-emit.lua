-- The cluster benchmark's service script: a step that only emits the events its call
-- site prepared (no state of its own), so what a commit costs over a publish is the
-- outbox write, and what its events wait for is the relay.
for _, event in ipairs(spec.events) do emit(event) end
return { emitted = #spec.events }
