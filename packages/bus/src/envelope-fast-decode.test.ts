import { EVENT_ID_PATTERN, fields as fieldRules } from "@retail/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validEnvelope as valid } from "../test/envelope-fixture.js";
import { encodeEnvelope } from "./envelope.js";
import { decodeWellFormed, isEventId, isId } from "./envelope-fast-decode.js";
import { decodeWithSchema, fieldMap } from "./envelope-schema-decode.js";

/** Values near each check's edges: lengths 0/1/max/max+1, valid and broken formats. */
const edgy = fc.oneof(
  fc.constantFrom("", "x", "1", "0", "123456789", "999999999", "1000000000", "-1", "1.5", "1e3"),
  fc.constantFrom(
    valid.id,
    valid.id.toUpperCase(),
    "3b241101-e2bb-4255-8caf-4136c566a962",
    "order.placed",
    "Order.placed",
    "order",
    "order 1",
    "order\u00e91",
    valid.traceparent,
    valid.traceparent.toUpperCase(),
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    valid.occurredAt,
    "2026-02-29T10:00:00Z",
    "2028-02-29T10:00:00.123Z",
    "2028-02-29T10:00:00.123+01:00",
    "2026-11-23T25:00:00Z",
    "2026-11-23T10:00:00",
    '{"a":1}',
    "not json",
  ),
  fc.constantFrom(
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff",
    `${valid.traceparent}0`,
    valid.traceparent.slice(1),
  ),
  // The traceparent with one character replaced: every position, hex and not.
  fc
    .tuple(fc.integer({ min: 0, max: 54 }), fc.constantFrom("0", "9", "a", "f", "g", "A", "-", " "))
    .map(
      ([index, char]) =>
        valid.traceparent.slice(0, index) + char + valid.traceparent.slice(index + 1),
    ),
  fc
    .constantFrom(0, 1, 63, 64, 65, 127, 128, 129, 199, 200, 201, 511, 512, 513)
    .map((length) => "k".repeat(length)),
  fc.string(),
);

describe("decodeWellFormed, the fast path", () => {
  it("decodes a well-formed entry", () => {
    expect(decodeWellFormed(encodeEnvelope(valid))?.envelope).toEqual(valid);
  });

  it.each([
    ["an unknown field", ["extra", "1"]],
    ["a repeated field", ["id", valid.id]],
    ["an odd number of names and values", ["extra"]],
  ])("leaves an entry with %s to the schema path", (_case, extra) => {
    expect(decodeWellFormed([...encodeEnvelope(valid), ...extra])).toBeUndefined();
  });

  it("accepts only what the schema path accepts, with the same result", () => {
    const fieldNames = Object.keys(fieldMap(encodeEnvelope({ ...valid, causationId: "c" })));
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...fieldNames, "tracestate", "replayFor", "extra"), edgy),
        fc.boolean(),
        (overrides, repeatOne) => {
          const map = { ...fieldMap(encodeEnvelope(valid)), ...overrides };
          const fields = Object.entries(map).flat();
          if (repeatOne) fields.push("id", valid.id);
          const fast = decodeWellFormed(fields);
          if (fast === undefined) return;
          expect(decodeWithSchema(fields)).toEqual(fast);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it("refuses only what the schema path refuses, unknown and repeated fields aside", () => {
    const fieldNames = Object.keys(fieldMap(encodeEnvelope({ ...valid, causationId: "c" })));
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...fieldNames, "tracestate", "replayFor"), edgy),
        (overrides) => {
          const fields = Object.entries({
            ...fieldMap(encodeEnvelope(valid)),
            ...overrides,
          }).flat();
          if (decodeWellFormed(fields) !== undefined) return;
          expect(() => decodeWithSchema(fields)).toThrow();
        },
      ),
      { numRuns: 3_000 },
    );
  });
});

describe("the hand-written checks", () => {
  const ascii = fc.integer({ min: 0, max: 0x80 }).map((code) => String.fromCharCode(code));

  it("isId agrees with the contracts' ID_PATTERN and ID_MAX_LENGTH", () => {
    const { ID_MAX_LENGTH, ID_PATTERN } = fieldRules;
    fc.assert(
      fc.property(fc.string({ unit: ascii, maxLength: 130 }), (value) => {
        expect(isId(value)).toBe(value.length <= ID_MAX_LENGTH && ID_PATTERN.test(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it("isEventId agrees with the contracts' EVENT_ID_PATTERN on any one-character change", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 35 }),
        fc.constantFrom(..."0789abfgA-"),
        (index, char) => {
          const value = valid.id.slice(0, index) + char + valid.id.slice(index + 1);
          expect(isEventId(value)).toBe(EVENT_ID_PATTERN.test(value));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("isEventId agrees with the pattern on strings of UUID characters", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789abcdefA-"), minLength: 35, maxLength: 37 }),
        (value) => {
          expect(isEventId(value)).toBe(EVENT_ID_PATTERN.test(value));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
