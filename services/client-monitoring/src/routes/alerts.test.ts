import { examplePayloads } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { expectError, useMonitoring } from "../../test/harness.js";

describe("GET /alerts", () => {
  const monitoring = useMonitoring();

  it("lists the most recent ALERTS_KEPT alerts, newest first, and refuses a larger limit", async () => {
    const { app } = await monitoring.instance({ ALERTS_KEPT: "3" });
    const inventory = monitoring.bus("inventory");
    // one SKU, so one partition: handled, and alerted, in the order published
    for (const available of [4, 3, 2, 1])
      await inventory.publish("stock.low", { ...examplePayloads["stock.low"], available });
    const availableIn = (alerts: { message: string }[]) =>
      alerts.map(({ message }) => Number(/: (\d+) available/.exec(message)?.[1]));

    await vi.waitFor(async () => {
      const alerts = (await app.inject({ method: "GET", url: "/alerts" })).json();
      expect(availableIn(alerts)).toEqual([1, 2, 3]);
    });
    const two = (await app.inject({ method: "GET", url: "/alerts?limit=2" })).json();
    expect(availableIn(two)).toEqual([1, 2]);
    expectError(
      await app.inject({ method: "GET", url: "/alerts?limit=4" }),
      400,
      "validation_failed",
    );
    expectError(
      await app.inject({ method: "GET", url: "/alerts?limit=0" }),
      400,
      "validation_failed",
    );
  });
});
