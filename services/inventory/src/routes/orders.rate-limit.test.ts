import type { Scope } from "@retail/service-kit";
import { testIdentity } from "@retail/service-kit/testing";
import { describe, expect, it } from "vitest";
import { orderBody, putProduct, useInventoryTestbed } from "../../test/harness.js";
import type { InventoryService } from "../service.js";

const CUSTOMER: readonly Scope[] = ["orders:write", "orders:read"];
const LINES = [{ sku: "MUG-1", quantity: 1 }];

async function place(service: InventoryService, subject: string, scopes: readonly Scope[]) {
  const { customerId: _, ...body } = orderBody(LINES);
  return service.app.inject({
    method: "POST",
    url: "/orders",
    payload: body,
    headers: { authorization: await (await testIdentity()).bearer(subject, scopes) },
  });
}

describe("ORDERS_PER_MINUTE_PER_CUSTOMER", () => {
  const testbed = useInventoryTestbed();

  it("refuses a customer's orders past the limit with 429 and Retry-After, over every instance, while others and staff go on", async () => {
    const first = await testbed.service({ ORDERS_PER_MINUTE_PER_CUSTOMER: "2" });
    const second = await testbed.service({ ORDERS_PER_MINUTE_PER_CUSTOMER: "2" });
    await putProduct(first, "MUG-1", 100);
    expect((await place(first, "c-1", CUSTOMER)).statusCode).toBe(201);
    expect((await place(second, "c-1", CUSTOMER)).statusCode).toBe(201);
    const refused = await place(first, "c-1", CUSTOMER);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);

    expect((await place(second, "c-2", CUSTOMER)).statusCode).toBe(201);
    for (let order = 0; order < 3; order += 1)
      expect((await place(first, "back-office", [...CUSTOMER, "orders:all"])).statusCode).toBe(201);
  });
});
