import { streamKey } from "@retail/bus";
import { catalog, examplePayloads, partitionsOf } from "@retail/contracts";
import { describe, expect, it, vi } from "vitest";
import { useShippingHarness } from "../test/harness.js";
import type { ShippingService } from "./service.js";

describe("shipping while Redis is away", () => {
  const harness = useShippingHarness();

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
    const shipping = await harness.service();
    expect((await listShipments(shipping)).statusCode).toBe(200);
    await harness.redis().stop("kill");
    try {
      await expectUnavailable(shipping);
    } finally {
      await harness.redis().start();
    }
    await expectAnsweringAgain(shipping);
  });

  it("answers 503 redis_unavailable while Redis hangs (paused), instead of waiting for it", async () => {
    const shipping = await harness.service();
    expect((await listShipments(shipping)).statusCode).toBe(200);
    await harness.redis().pause();
    try {
      await expectUnavailable(shipping);
    } finally {
      await harness.redis().unpause();
    }
    await expectAnsweringAgain(shipping);
  });
});

describe("shipping's bus", () => {
  const harness = useShippingHarness();

  it("trims its streams to about BUS_STREAM_MAX_LENGTH entries when it is set", async () => {
    const shipping = await harness.service({ BUS_STREAM_MAX_LENGTH: "10" }, { start: false });
    for (let index = 0; index < 500; index++) {
      await shipping.bus.publish("shipment.created", {
        ...examplePayloads["shipment.created"],
        shipmentId: `shp-${index}`,
      });
    }
    let entries = 0;
    for (let partition = 0; partition < partitionsOf(catalog["shipment.created"]); partition++)
      entries += await harness.client().xlen(streamKey("shipment.created", partition));
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(500);
  });
});
