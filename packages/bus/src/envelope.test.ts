import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeEnvelope,
  decodeWellFormed,
  decodeWithSchema,
  type Envelope,
  encodeEnvelope,
  fieldMap,
} from "./envelope.js";
import { EnvelopeError } from "./errors.js";

const valid: Envelope = {
  id: "0190b3f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
  type: "order.placed",
  version: 1,
  occurredAt: "2026-11-23T08:00:00.000Z",
  source: "inventory",
  correlationId: "0190b3f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
  causationId: undefined,
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: undefined,
  partitionKey: "order-1",
  payload: { orderId: "order-1", lines: [{ sku: "A", quantity: 2 }] },
};

describe("the envelope codec", () => {
  it("decodes what it encodes, payload included", () => {
    expect(decodeEnvelope(encodeEnvelope(valid)).envelope).toEqual(valid);
  });

  it("carries the optional causation id, tracestate and replay target", () => {
    const full = { ...valid, causationId: "cause-1", tracestate: "vendor=1" };
    const decoded = decodeEnvelope(encodeEnvelope(full, "shipping"));
    expect(decoded.envelope).toEqual(full);
    expect(decoded.replayFor).toBe("shipping");
  });

  it("names every missing or malformed field", () => {
    const fields = encodeEnvelope(valid);
    const broken = fields.map((value, index) =>
      fields[index - 1] === "traceparent"
        ? "not-a-trace"
        : fields[index - 1] === "version"
          ? "zero"
          : value,
    );
    const error = catchError(() => decodeEnvelope(broken.slice(0, -2)));
    expect(error).toBeInstanceOf(EnvelopeError);
    expect((error as EnvelopeError).issues.map((issue) => issue.path).sort()).toEqual([
      "payload",
      "traceparent",
      "version",
    ]);
  });

  it("rejects a payload that is not JSON", () => {
    const fields = encodeEnvelope(valid);
    fields[fields.indexOf("payload") + 1] = "{not json";
    expect(() => decodeEnvelope(fields)).toThrow(EnvelopeError);
  });

  it("rejects a field that appears twice", () => {
    expect(() => decodeEnvelope([...encodeEnvelope(valid), "id", "other"])).toThrow(
      /more than once/,
    );
  });

  it("throws nothing but EnvelopeError for arbitrary field maps", () => {
    const names = fc.oneof(
      fc.constantFrom(
        "id",
        "type",
        "version",
        "occurredAt",
        "source",
        "correlationId",
        "causationId",
      ),
      fc.constantFrom(
        "traceparent",
        "tracestate",
        "partitionKey",
        "payload",
        "replayFor",
        "__proto__",
        "constructor",
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(names, fc.oneof(fc.string(), fc.json()))), (pairs) => {
        try {
          decodeEnvelope(pairs.flat());
        } catch (error) {
          expect(error).toBeInstanceOf(EnvelopeError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("accepts on its fast path only what the schema accepts, with the same result", () => {
    // Values near each check's edges: lengths 0/1/max/max+1, valid and broken formats.
    const edgy = fc.oneof(
      fc.constantFrom("", "x", "1", "0", "123456789", "1234567890", "-1", "1.5"),
      fc.constantFrom(
        valid.traceparent,
        valid.traceparent.toUpperCase(),
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        valid.occurredAt,
        "2026-02-29T10:00:00Z",
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
        .tuple(
          fc.integer({ min: 0, max: 54 }),
          fc.constantFrom("0", "9", "a", "f", "g", "A", "-", " "),
        )
        .map(
          ([index, char]) =>
            valid.traceparent.slice(0, index) + char + valid.traceparent.slice(index + 1),
        ),
      fc.integer({ min: 0, max: 520 }).map((length) => "k".repeat(length)),
      fc.string(),
    );
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

  it("round-trips arbitrary JSON payloads and ids", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ minLength: 1, maxLength: 100 }), (payload, key) => {
        const envelope = {
          ...valid,
          payload: JSON.parse(JSON.stringify(payload)),
          partitionKey: key,
        };
        expect(decodeEnvelope(encodeEnvelope(envelope)).envelope).toEqual(envelope);
      }),
      { numRuns: 500 },
    );
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
