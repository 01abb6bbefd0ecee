import { outboxKey, processedKey } from "@retail/bus";
import { describe, expect, it } from "vitest";
import { keys, SERVICE_NAME } from "./keys.js";

/** What Redis Cluster hashes of a key: the first non-empty `{…}`, or else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf("{");
  const close = key.indexOf("}", open + 1);
  return open !== -1 && close > open + 1 ? key.slice(open + 1, close) : key;
}

/** Every key of `keys`, built with `id` wherever a key takes one. */
function everyKey(id: string): string[] {
  return Object.values(keys).map((key) =>
    typeof key === "function" ? (key as (...ids: string[]) => string)(id, id) : key,
  );
}

describe(`${SERVICE_NAME}'s keys`, () => {
  it("all hash to the service's one Cluster slot, with its group's processed marks and its outbox, whatever the ids in them", () => {
    const built = [
      ...everyKey("o-1"),
      ...everyKey("}{evil}"),
      processedKey(SERVICE_NAME),
      outboxKey(SERVICE_NAME),
    ];
    expect(built.length).toBeGreaterThan(2);
    for (const key of built) expect(hashedPart(key), key).toBe(SERVICE_NAME);
  });
});
