import { expectKeysInServiceSlot } from "@retail/service-kit/testing";
import { describe, it } from "vitest";
import {
  cancelledOrderKey,
  PROCESSED_KEY,
  SERVICE_NAME,
  shipmentByOrderKey,
  shipmentKey,
  TIMERS_KEY,
} from "./keys.js";

describe("shipping's keys", () => {
  it("all hash to the service's one Cluster slot, with its group's processed marks and its outbox, whatever the ids in them", () => {
    expectKeysInServiceSlot(SERVICE_NAME, {
      shipmentKey,
      shipmentByOrderKey,
      cancelledOrderKey,
      TIMERS_KEY,
      PROCESSED_KEY,
    });
  });
});
