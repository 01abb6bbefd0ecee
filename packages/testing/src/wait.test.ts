import { describe, expect, it } from "vitest";
import { WaitTimeoutError } from "./errors.js";
import { pollUntil } from "./wait.js";

describe("pollUntil", () => {
  it("resolves to the first value check gives, errors counting as not yet", async () => {
    let calls = 0;
    const value = await pollUntil(
      "the third call",
      () => {
        calls += 1;
        if (calls === 1) throw new Error("not ready");
        return calls === 3 ? "ready" : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 1 },
    );
    expect(value).toBe("ready");
    expect(calls).toBe(3);
  });

  it("accepts falsy values other than undefined as an answer", async () => {
    expect(await pollUntil("zero", () => 0, { timeoutMs: 1_000 })).toBe(0);
    expect(await pollUntil("false", async () => false, { timeoutMs: 1_000 })).toBe(false);
  });

  it("fails with a coded timeout whose cause is the last error check threw", async () => {
    const failure = await pollUntil(
      "a server that never answers",
      () => {
        throw new Error("ECONNREFUSED");
      },
      { timeoutMs: 20, intervalMs: 1 },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WaitTimeoutError);
    expect(failure).toMatchObject({
      code: "TESTING_ERR_TIMEOUT",
      message: "timed out after 20 ms waiting for a server that never answers",
      cause: new Error("ECONNREFUSED"),
    });
  });
});
