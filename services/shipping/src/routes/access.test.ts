import { readFileSync } from "node:fs";
import { catalog, PERSONAL_DATA_MASK } from "@retail/contracts";
import {
  ALL_SCOPES,
  expectAccessControl,
  expectReadmeRouteTable,
  testIdentity,
} from "@retail/service-kit/testing";
import { describe, expect, it } from "vitest";
import { anOrder, useShippingHarness } from "../../test/harness.js";
import { shipmentSchema } from "../shipment.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("who may call shipping's routes", () => {
  const harness = useShippingHarness();

  it("every route needs shipping:operate: 401 without a token, 403 without the scope, 2xx with it", async () => {
    const shipping = await harness.service();
    const toDispatch = await harness.placed(shipping, anOrder("ord-1"));
    const toDeliver = await harness.placed(shipping, anOrder("ord-2"));
    await shipping.app.inject({
      method: "POST",
      url: `/shipments/${toDeliver.shipmentId}/dispatch`,
    });

    await expectAccessControl(shipping.app, await testIdentity(), {
      "GET /shipments/:id": { request: { url: `/shipments/${toDispatch.shipmentId}` } },
      "GET /shipments": { request: { url: "/shipments?orderId=ord-1" } },
      "POST /shipments/:id/dispatch": {
        request: { method: "POST", url: `/shipments/${toDispatch.shipmentId}/dispatch` },
      },
      "POST /shipments/:id/deliver": {
        request: { method: "POST", url: `/shipments/${toDeliver.shipmentId}/deliver` },
      },
    });
  });

  it("moves nothing and publishes nothing for a step refused for want of a token or scope", async () => {
    const shipping = await harness.service();
    const { shipmentId } = await harness.placed(shipping, anOrder("ord-1"));
    const identity = await testIdentity();
    const scopesButOperate = ALL_SCOPES.filter((scope) => scope !== "shipping:operate");
    const refusals = [
      { authorization: "", status: 401 },
      { authorization: await identity.bearer("someone", scopesButOperate), status: 403 },
    ];
    for (const { authorization, status } of refusals) {
      const refused = await shipping.app.inject({
        method: "POST",
        url: `/shipments/${shipmentId}/dispatch`,
        headers: { authorization },
      });
      expect(refused.statusCode).toBe(status);
    }
    expect((await shipping.expose.store.get(shipmentId))?.status).toBe("pending");
    expect(await harness.events("shipment.dispatched")).toEqual([]);
  });

  it("lists every route with its scope in the README, as the code declares them", async () => {
    const shipping = await harness.service({}, { start: false });
    expectReadmeRouteTable(README, shipping.app);
  });
});

describe("personal data", () => {
  const harness = useShippingHarness();

  it("a shipment carries none of its order's personal data (name, address): only the destination country", async () => {
    const shipping = await harness.service();
    const order = anOrder("ord-1");
    const { shipmentId } = await harness.placed(shipping, order);
    const personal = catalog["order.placed"].personalData ?? [];
    expect(personal.length).toBeGreaterThan(0);

    for (const url of [`/shipments/${shipmentId}`, "/shipments?orderId=ord-1"]) {
      const body = (await shipping.app.inject({ url })).body;
      for (const path of personal) {
        const field = path.split(".").at(-1) as keyof typeof order.shippingAddress;
        const value = order.shippingAddress[field];
        expect(value).not.toBe(PERSONAL_DATA_MASK);
        expect(body, `${url} leaks ${path}`).not.toContain(value);
        expect(Object.keys(shipmentSchema.shape), path).not.toContain(field);
      }
      expect(body).toContain(`"destinationCountry":"${order.shippingAddress.country}"`);
    }
  });
});
