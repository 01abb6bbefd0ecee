import type { Scope } from "@retail/service-kit";
import { expectClientSafe, testIdentity } from "@retail/service-kit/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ADDRESS, expectStockInvariant, useInventoryTestbed } from "../../test/harness.js";
import { keys } from "../keys.js";
import { DEMO_CATALOG } from "../seed.js";

const CUSTOMERS = ["c-1", "c-2"] as const;
const CUSTOMER: readonly Scope[] = ["orders:write", "orders:read"];
const SKUS = DEMO_CATALOG.map((product) => product.sku);

const orderBody = fc.record(
  {
    customerId: fc.oneof(fc.constantFrom(...CUSTOMERS), fc.string({ maxLength: 20 })),
    lines: fc.uniqueArray(
      fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 30 }) }),
      { minLength: 1, maxLength: 3, selector: (line) => line.sku },
    ),
    shippingAddress: fc.constant(ADDRESS),
  },
  { requiredKeys: ["lines", "shippingAddress"] },
);

const action = fc.oneof(
  fc.record({
    kind: fc.constant("place" as const),
    body: orderBody,
    key: fc.option(fc.constantFrom("k-1", "k-2"), { nil: undefined }),
  }),
  fc.record({ kind: fc.constantFrom("get" as const, "cancel" as const), pick: fc.nat() }),
);

describe("customers' tokens at the order routes", () => {
  const testbed = useInventoryTestbed();

  it("never get a 5xx, place orders for their own subject only, and never reach another's order", async () => {
    const service = await testbed.service({ SEED_DEMO_CATALOG: "true" });
    const identity = await testIdentity();
    const tokens = new Map<string, string>();
    for (const customer of CUSTOMERS)
      tokens.set(customer, await identity.bearer(customer, CUSTOMER));
    const owners = new Map<string, string>();
    const redis = testbed.client();

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CUSTOMERS), action, async (subject, act) => {
        const authorization = tokens.get(subject) as string;
        if (act.kind === "place") {
          const response = await service.app.inject({
            method: "POST",
            url: "/orders",
            payload: act.body,
            headers: { authorization, ...(act.key ? { "idempotency-key": act.key } : {}) },
          });
          expectClientSafe(response);
          const named = act.body.customerId;
          if (response.statusCode === 403) expect(named).not.toBe(subject);
          if (named === undefined || named === subject) expect(response.statusCode).not.toBe(403);
          const body = response.json<{ orderId?: string; error?: { details?: unknown } }>();
          const orderId =
            body.orderId ?? (body.error?.details as { orderId?: string } | undefined)?.orderId;
          if (orderId === undefined) return;
          expect(await redis.hget(keys.order(orderId), "customerId")).toBe(subject);
          owners.set(orderId, subject);
          return;
        }
        const ids = [...owners.keys()];
        const orderId = ids[act.pick % Math.max(ids.length, 1)];
        if (orderId === undefined) return;
        const response = await service.app.inject({
          method: act.kind === "get" ? "GET" : "POST",
          url: act.kind === "get" ? `/orders/${orderId}` : `/orders/${orderId}/cancel`,
          headers: { authorization },
        });
        expectClientSafe(response);
        if (owners.get(orderId) === subject) expect(response.statusCode).not.toBe(404);
        else expect(response.statusCode).toBe(404);
      }),
      { numRuns: 400 },
    );

    // Every order stored is one a customer was told about: a refused request wrote none.
    expect(await redis.zcard(keys.orders)).toBe(owners.size);
    await expectStockInvariant(redis);
  });
});
