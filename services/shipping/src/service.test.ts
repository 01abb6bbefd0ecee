import { describe, expect, it, vi } from "vitest";
import { useShippingTestbed } from "../test/harness.js";
import type { ShippingService } from "./service.js";

describe("shipping while Redis is away", () => {
  const testbed = useShippingTestbed();

  const listShipments = (shipping: ShippingService) =>
    shipping.app.inject({ url: "/shipments?orderId=ord-1" });

  async function expectUnavailable(shipping: ShippingService) {
    const response = await listShipments(shipping);
    expect(response.statusCode, response.body).toBe(503);
    expect(response.headers["retry-after"]).toBe("3");
    expect(response.json()).toMatchObject({ error: { code: "redis_unavailable" } });
  }

  async function expectAnsweringAgain(shipping: ShippingService) {
    await vi.waitFor(async () => expect((await listShipments(shipping)).statusCode).toBe(200), {
      timeout: 15_000,
      interval: 50,
    });
  }

  it("answers 503 redis_unavailable with Retry-After, not 500, while Redis is killed", async () => {
    const shipping = await testbed.service();
    expect((await listShipments(shipping)).statusCode).toBe(200);
    await testbed.redis().stop("kill");
    try {
      await expectUnavailable(shipping);
    } finally {
      await testbed.redis().start();
    }
    await expectAnsweringAgain(shipping);
  });

  it("answers 503 redis_unavailable while Redis hangs (paused), instead of waiting for it", async () => {
    const shipping = await testbed.service();
    expect((await listShipments(shipping)).statusCode).toBe(200);
    await testbed.redis().pause();
    try {
      await expectUnavailable(shipping);
    } finally {
      await testbed.redis().unpause();
    }
    await expectAnsweringAgain(shipping);
  });
});
