import { expectKeysInServiceSlot } from "@retail/service-kit/testing";
import { describe, expect, it } from "vitest";
import { keys, SERVICE_NAME } from "./keys.js";

describe(`${SERVICE_NAME}'s keys`, () => {
  it("all hash to the service's one Cluster slot, with its group's processed marks and its outbox, whatever the ids in them", () => {
    expectKeysInServiceSlot(SERVICE_NAME, keys);
  });

  it("give each caller its own Idempotency-Keys: no two (subject, key) pairs share a Redis key, however the subject and key split", () => {
    const pairs: [string, string][] = [
      ["customer-1", "key-1"],
      ["customer-2", "key-1"],
      ["a:b", "c"],
      ["a", "b:c"],
      ["1:a", "b"],
      ["1", "a:b"],
      ["", "1:x:y"],
    ];
    const built = pairs.map(([subject, key]) => keys.idempotency(subject, key));
    expect(new Set(built).size).toBe(pairs.length);
  });
});
