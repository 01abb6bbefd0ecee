import { outboxKey } from "@retail/bus";
import { describe, expect, it } from "vitest";
import {
  cancelledOrderKey,
  PROCESSED_KEY,
  SERVICE_NAME,
  shipmentByOrderKey,
  shipmentKey,
  TIMERS_KEY,
} from "./keys.js";

/** What Redis Cluster hashes of a key: the first non-empty `{…}`, or else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf("{");
  const close = key.indexOf("}", open + 1);
  return open !== -1 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe("shipping's keys", () => {
  it("all hash to the service's one Cluster slot, with its group's processed marks and its outbox, whatever the ids in them", () => {
    const built = ["s-1", "}{evil}"].flatMap((id) => [
      shipmentKey(id),
      shipmentByOrderKey(id),
      cancelledOrderKey(id),
    ]);
    for (const key of [...built, TIMERS_KEY, PROCESSED_KEY, outboxKey(SERVICE_NAME)])
      expect(hashedPart(key), key).toBe(SERVICE_NAME);
  });
});
