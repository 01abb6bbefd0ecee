import { readFileSync } from "node:fs";
import {
  expectAccessControl,
  expectReadmeRouteTable,
  testIdentity,
} from "@retail/service-kit/testing";
import { describe, expect, it } from "vitest";
import { ADDRESS, placeOrder, putProduct, useInventoryTestbed } from "../../test/harness.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("who may call inventory's routes", () => {
  const testbed = useInventoryTestbed();

  it("every route needs its scope: 401 without a token, 403 without the scope, 404 for another customer's order, 2xx with the scope", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 100);
    const placeFor = async (customerId: string) => {
      const placed = await placeOrder(service, [{ sku: "MUG-1", quantity: 1 }], {}, customerId);
      expect(placed.statusCode, placed.body).toBe(201);
      return placed.json<{ orderId: string }>().orderId;
    };
    const toRead = await placeFor("customer-1");
    const toCancel = await placeFor("customer-1");

    await expectAccessControl(service.app, await testIdentity(), {
      "GET /products": { request: { method: "GET", url: "/products" } },
      "GET /products/:sku": { request: { method: "GET", url: "/products/MUG-1" } },
      "PUT /products/:sku": {
        request: {
          method: "PUT",
          url: "/products/MUG-2",
          payload: { name: "Mug 2", priceCents: 500, available: 10 },
        },
        status: 201,
      },
      "POST /products/:sku/restock": {
        request: { method: "POST", url: "/products/MUG-1/restock", payload: { quantity: 1 } },
      },
      // No customerId: the order is the subject's own ("someone", who holds only orders:write).
      "POST /orders": {
        request: {
          method: "POST",
          url: "/orders",
          payload: { lines: [{ sku: "MUG-1", quantity: 1 }], shippingAddress: ADDRESS },
        },
        status: 201,
      },
      "GET /orders/:orderId": {
        request: { method: "GET", url: `/orders/${toRead}` },
        ownedBy: "customer-1",
        status: 200,
      },
      "POST /orders/:orderId/cancel": {
        request: { method: "POST", url: `/orders/${toCancel}/cancel` },
        ownedBy: "customer-1",
        status: 202,
      },
    });
  });

  it("lists every route with its scope in the README", async () => {
    const service = await testbed.created();
    expectReadmeRouteTable(README, service.app);
  });
});
