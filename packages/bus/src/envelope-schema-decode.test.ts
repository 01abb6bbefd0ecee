import { envelopeMetadataSchema } from "@retail/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validEnvelope as valid } from "../test/envelope-fixture.js";
import { encodeEnvelope } from "./envelope.js";
import { decodeWithSchema, fieldMap } from "./envelope-schema-decode.js";
import { EnvelopeError } from "./errors.js";

describe("decodeWithSchema, the slow path", () => {
  it("accepts an entry exactly when the contracts' envelope schema accepts its metadata", () => {
    const { payload, ...metadata } = valid;
    const change = fc.record(
      {
        id: fc.constantFrom(valid.id, valid.id.toUpperCase(), "event-1"),
        version: fc.constantFrom(1, 999_999_999, 1_000_000_000),
        occurredAt: fc.constantFrom(valid.occurredAt, "2026-11-23T09:00:00+01:00"),
        source: fc.constantFrom("", "shipping", "s".repeat(65)),
        correlationId: fc.constantFrom("flow-1", "flow 1", "c".repeat(129)),
        causationId: fc.constantFrom("cause-1", "", "\u00e9"),
        tracestate: fc.constantFrom("vendor=1", "t".repeat(513)),
        partitionKey: fc.constantFrom("order-1", "", "order 1", "k".repeat(128), "k".repeat(129)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(change, (changed) => {
        const candidate = { ...metadata, ...changed };
        const fields = Object.entries(candidate)
          .filter(([, value]) => value !== undefined)
          .flatMap(([name, value]) => [name, String(value)]);
        fields.push("payload", JSON.stringify(payload));
        const accepted = envelopeMetadataSchema.safeParse(candidate).success;
        if (accepted) expect(decodeWithSchema(fields).envelope).toMatchObject(candidate);
        else expect(() => decodeWithSchema(fields)).toThrow(EnvelopeError);
      }),
      { numRuns: 1_000 },
    );
  });

  it("reads the version as the digits of a positive integer only", () => {
    for (const version of ["0", "-1", "1.0", "1e3", "01", " 1"]) {
      const fields = encodeEnvelope(valid);
      fields[fields.indexOf("version") + 1] = version;
      expect(() => decodeWithSchema(fields), version).toThrow(EnvelopeError);
    }
  });

  it("accepts metadata fields it does not know, for a later bus", () => {
    expect(decodeWithSchema([...encodeEnvelope(valid), "tenant", "eu"]).envelope).toEqual(valid);
  });
});

describe("fieldMap", () => {
  it("maps names to values", () => {
    expect(fieldMap(["a", "1", "b", "2"])).toEqual({ a: "1", b: "2" });
  });

  it("refuses a repeated name, naming it", () => {
    expect(() => fieldMap(["a", "1", "a", "2"])).toThrow(/a: field appears more than once/);
  });

  it("refuses an odd number of names and values", () => {
    expect(() => fieldMap(["a", "1", "b"])).toThrow(/odd number/);
  });

  it("keeps names such as __proto__ as plain fields", () => {
    expect(Object.entries(fieldMap(["__proto__", "x"]))).toEqual([["__proto__", "x"]]);
  });
});
