import { describe, expect, it } from "vitest";
import { TooManyPrincipalStreamsError } from "./errors.js";
import { StreamQuota } from "./stream-quota.js";

describe("StreamQuota", () => {
  it("gives each subject at most `max` places, refusing one more with too_many_principal_streams (429, Retry-After)", () => {
    const quota = new StreamQuota(2);
    quota.take("cus-1");
    quota.take("cus-1");
    let refusal: unknown;
    try {
      quota.take("cus-1");
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(TooManyPrincipalStreamsError);
    expect(refusal).toMatchObject({
      code: "too_many_principal_streams",
      statusCode: 429,
      retryAfterSeconds: 5,
      details: { limit: 2 },
    });
    expect(quota.held("cus-1")).toBe(2);
    quota.take("cus-2");
    expect(quota.held("cus-2")).toBe(1);
  });

  it("frees a place once however often its release is called", () => {
    const quota = new StreamQuota(2);
    const release = quota.take("cus-1");
    quota.take("cus-1");
    release();
    release();
    expect(quota.held("cus-1")).toBe(1);
    quota.take("cus-1");
    expect(quota.held("cus-1")).toBe(2);
  });
});
