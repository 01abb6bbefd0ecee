import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validEnvelope } from "../test/envelope-fixture.js";
import { decodeEnvelope, encodeEnvelope } from "./envelope.js";
import { EnvelopeError } from "./errors.js";

const valid = validEnvelope;

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

  it("appends to the fields it is given, after the trim arguments", () => {
    const fields = encodeEnvelope(valid, undefined, ["MAXLEN", "~", "10", "*"]);
    expect(fields.slice(0, 6)).toEqual(["MAXLEN", "~", "10", "*", "id", valid.id]);
  });

  it.each([
    ["an event id that is not a UUIDv7", { id: "event-1" }, "id"],
    ["a partition key with a space", { partitionKey: "order 1" }, "partitionKey"],
    ["an empty correlation id", { correlationId: "" }, "correlationId"],
    ["an occurredAt with an offset", { occurredAt: "2026-11-23T09:00:00+01:00" }, "occurredAt"],
  ])(
    "refuses to encode %s, naming the field, so nothing is written that consumers refuse",
    (_case, change, path) => {
      const error = catchError(() => encodeEnvelope({ ...valid, ...change }));
      expect(error).toBeInstanceOf(EnvelopeError);
      expect(new Set((error as EnvelopeError).issues.map((issue) => issue.path))).toEqual(
        new Set([path]),
      );
    },
  );

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

  it("round-trips arbitrary JSON payloads and partition keys of 1-128 visible ASCII characters", () => {
    const key = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
      minLength: 1,
      maxLength: 128,
    });
    fc.assert(
      fc.property(fc.jsonValue(), key, (payload, partitionKey) => {
        const envelope = { ...valid, payload: JSON.parse(JSON.stringify(payload)), partitionKey };
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
