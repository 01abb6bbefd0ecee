import { expectKeysInServiceSlot } from "@retail/service-kit/testing";
import { describe, it } from "vitest";
import { keys, SERVICE_NAME } from "./keys.js";

describe(`${SERVICE_NAME}'s keys`, () => {
  it("all hash to the service's one Cluster slot, with its group's processed marks and its outbox, whatever the ids in them", () => {
    expectKeysInServiceSlot(SERVICE_NAME, keys);
  });
});
