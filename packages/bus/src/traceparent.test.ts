import { TRACEPARENT_PATTERN } from "@retail/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isTraceparent } from "./traceparent.js";

const VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("isTraceparent", () => {
  it.each([
    [VALID, true],
    ["ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", true],
    [VALID.toUpperCase(), false],
    ["00-00000000000000000000000000000000-00f067aa0ba902b7-01", false],
    ["00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false],
    [`${VALID}0`, false],
    [VALID.slice(1), false],
    ["", false],
  ])("says %j is a traceparent: %s", (value, expected) => {
    expect(isTraceparent(value)).toBe(expected);
  });

  it("agrees with the contracts' TRACEPARENT_PATTERN on any one-character change", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 54 }),
        fc.constantFrom("0", "9", "a", "f", "g", "A", "-", " "),
        (index, char) => {
          const value = VALID.slice(0, index) + char + VALID.slice(index + 1);
          expect(isTraceparent(value)).toBe(TRACEPARENT_PATTERN.test(value));
        },
      ),
    );
  });

  it("agrees with the pattern on arbitrary hex strings, all-zero ids included", () => {
    const hex = (length: number) =>
      fc.oneof(
        fc.constant("0".repeat(length)),
        fc.string({
          unit: fc.constantFrom(..."0123456789abcdefA"),
          minLength: length,
          maxLength: length,
        }),
      );
    fc.assert(
      fc.property(hex(2), hex(32), hex(16), hex(2), (version, trace, span, flags) => {
        const value = `${version}-${trace}-${span}-${flags}`;
        expect(isTraceparent(value)).toBe(TRACEPARENT_PATTERN.test(value));
      }),
      { numRuns: 2_000 },
    );
  });
});
