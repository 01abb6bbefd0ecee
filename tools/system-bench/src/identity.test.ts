import { tokenVerifierFromConfig } from "@retail/service-kit";
import { describe, expect, it } from "vitest";
import { benchIdentity } from "./identity.js";
import { orderBody } from "./orders.js";

describe("benchIdentity", () => {
  it("gives the services a public key set that accepts the load's tokens: the order body's customer placing orders, and a catalog writer", async () => {
    const identity = await benchIdentity();
    // what a service started with AUTH_JWKS_FILE does with a request's token
    const verify = tokenVerifierFromConfig({
      AUTH_JWKS_FILE: identity.jwksFile,
      AUTH_AUDIENCE: "retail-api",
      AUTH_ISSUER: "retail-demo",
    });
    const customer = await verify(identity.customer.replace(/^Bearer /, ""));
    expect(customer.subject).toBe(orderBody.customerId);
    expect([...customer.scopes]).toEqual(["orders:write"]);
    const catalog = await verify(identity.catalog.replace(/^Bearer /, ""));
    expect([...catalog.scopes]).toEqual(["catalog:write"]);
    expect(await benchIdentity()).toBe(identity);
  });
});
