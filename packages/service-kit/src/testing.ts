/**
 * Test helpers for services built on the kit (`@retail/service-kit/testing`): what a
 * property test of any route asserts, and the inputs it throws at it. Imported by
 * tests only; it needs vitest and fast-check.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { errorBodySchema } from "./errors.js";

/** Whatever a client sends: never a 5xx, and every 4xx carries the one error body. */
export function expectClientSafe(response: { statusCode: number; json(): unknown }): void {
  expect(response.statusCode).toBeLessThan(500);
  if (response.statusCode >= 400) {
    const body = errorBodySchema.parse(response.json());
    expect(body.error.code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
  }
}

/** Header values a real HTTP parser lets through: tab, space, visible ASCII and Latin-1. */
export const headerValue = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\t", " "),
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 200,
});
