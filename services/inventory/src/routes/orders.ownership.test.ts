import { PERSONAL_DATA_MASK } from "@retail/contracts";
import type { Scope } from "@retail/service-kit";
import { testIdentity } from "@retail/service-kit/testing";
import { describe, expect, it } from "vitest";
import {
  ADDRESS,
  eventsOf,
  getOrder,
  getProduct,
  orderBody,
  putProduct,
  type Reply,
  useInventoryTestbed,
} from "../../test/harness.js";
import type { InventoryService } from "../service.js";
import { REPLAYED_HEADER } from "./orders.js";

const CUSTOMER: readonly Scope[] = ["orders:write", "orders:read"];
const LINES = [{ sku: "MUG-1", quantity: 1 }];

/** `Bearer <token>` of `subject` with `scopes`. */
async function as(subject: string, scopes: readonly Scope[]) {
  return (await testIdentity()).bearer(subject, scopes);
}

async function place(
  service: InventoryService,
  authorization: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return service.app.inject({
    method: "POST",
    url: "/orders",
    payload: payload as Record<string, unknown>,
    headers: { ...headers, authorization },
  });
}

function placedId(reply: Reply): string {
  expect(reply.statusCode, reply.body).toBe(201);
  return reply.json<{ orderId: string }>().orderId;
}

describe("orders belong to the token's subject", () => {
  const testbed = useInventoryTestbed();

  it("places a customer's order for the subject when the body names no customer", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const { customerId: _, ...body } = orderBody(LINES);
    const orderId = placedId(await place(service, await as("customer-7", CUSTOMER), body));
    expect(await getOrder(service, orderId)).toMatchObject({ customerId: "customer-7" });
    const [placed] = await eventsOf(testbed.client(), "order.placed");
    expect(placed?.payload).toMatchObject({ orderId, customerId: "customer-7" });
  });

  it("answers 403 customer_mismatch (field customerId) to a customer ordering for another, and writes nothing", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const response = await place(
      service,
      await as("customer-7", CUSTOMER),
      orderBody(LINES, "customer-8"),
      { "idempotency-key": "k-1" },
    );
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json()).toMatchObject({
      error: { code: "customer_mismatch", details: { field: "customerId" } },
    });
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 10, reserved: 0 });
    expect(await testbed.client().zcard("{inventory}:orders")).toBe(0);
  });

  it("answers 403 customer_mismatch, not a 5xx, to a subject that cannot be a customer id", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const { customerId: _, ...body } = orderBody(LINES);
    const response = await place(service, await as("Ada Lovelace", CUSTOMER), body);
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json()).toMatchObject({
      error: { code: "customer_mismatch", details: { field: "customerId" } },
    });
  });

  it("lets a customer name themselves, and a principal with orders:all order for anybody or, naming nobody, for itself", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const own = placedId(
      await place(service, await as("customer-7", CUSTOMER), orderBody(LINES, "customer-7")),
    );
    const staff = await as("loadgen", ["orders:write", "orders:all"]);
    const forOther = placedId(await place(service, staff, orderBody(LINES, "customer-9")));
    const { customerId: _, ...nameless } = orderBody(LINES);
    const forItself = placedId(await place(service, staff, nameless));
    expect((await getOrder(service, own)).customerId).toBe("customer-7");
    expect((await getOrder(service, forOther)).customerId).toBe("customer-9");
    expect((await getOrder(service, forItself)).customerId).toBe("loadgen");
  });

  it("answers 404 order_not_found to another customer's GET and cancel exactly as to an unknown order, and changes nothing", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const orderId = placedId(
      await place(service, await as("customer-7", CUSTOMER), orderBody(LINES, "customer-7")),
    );
    const stranger = await as("customer-8", CUSTOMER);
    const notFound = (id: string) => ({
      error: { code: "order_not_found", message: `No order ${id}`, details: { orderId: id } },
    });

    for (const [method, suffix] of [
      ["GET", ""],
      ["POST", "/cancel"],
    ] as const) {
      const theirs = await service.app.inject({
        method,
        url: `/orders/${orderId}${suffix}`,
        headers: { authorization: stranger },
      });
      const unknown = await service.app.inject({
        method,
        url: `/orders/no-such-order${suffix}`,
        headers: { authorization: stranger },
      });
      expect(theirs.statusCode, `${method} ${suffix}`).toBe(404);
      expect(theirs.json()).toEqual(notFound(orderId));
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual(notFound("no-such-order"));
    }
    expect(await getOrder(service, orderId)).toMatchObject({ status: "reserved" });
    expect(await getOrder(service, orderId)).not.toHaveProperty("cancel");
    expect(await eventsOf(testbed.client(), "order.cancel-requested")).toEqual([]);
  });

  it("lets the owner, and a principal with orders:all, read and cancel the order", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const owner = await as("customer-7", CUSTOMER);
    const first = placedId(await place(service, owner, orderBody(LINES, "customer-7")));
    const second = placedId(await place(service, owner, orderBody(LINES, "customer-7")));
    const support = await as("support", ["orders:read", "orders:write", "orders:all"]);
    for (const [orderId, authorization] of [
      [first, owner],
      [second, support],
    ] as const) {
      const read = await service.app.inject({
        method: "GET",
        url: `/orders/${orderId}`,
        headers: { authorization },
      });
      expect(read.statusCode, read.body).toBe(200);
      const cancel = await service.app.inject({
        method: "POST",
        url: `/orders/${orderId}/cancel`,
        headers: { authorization },
      });
      expect(cancel.statusCode, cancel.body).toBe(202);
    }
  });
});

describe("Idempotency-Keys are each caller's own", () => {
  const testbed = useInventoryTestbed();

  it("gives two subjects sending the same key and body two orders, and each of them its own replay", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const key = { "idempotency-key": "checkout-1" };
    const body = { lines: LINES, shippingAddress: ADDRESS };
    const ann = await as("customer-ann", CUSTOMER);
    const bob = await as("customer-bob", CUSTOMER);

    const annFirst = await place(service, ann, body, key);
    const bobFirst = await place(service, bob, body, key);
    expect(placedId(bobFirst)).not.toBe(placedId(annFirst));
    expect(bobFirst.headers[REPLAYED_HEADER]).toBeUndefined();

    const annAgain = await place(service, ann, body, key);
    expect(annAgain.headers[REPLAYED_HEADER]).toBe("true");
    expect(annAgain.body).toBe(annFirst.body);
    const bobAgain = await place(service, bob, body, key);
    expect(bobAgain.body).toBe(bobFirst.body);
    expect(await getProduct(service, "MUG-1")).toMatchObject({ available: 8, reserved: 2 });
    expect(await eventsOf(testbed.client(), "order.placed")).toHaveLength(2);
  });

  it("does not tell a caller that another used a key: a different body under another's key is placed, not 409", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const key = { "idempotency-key": "checkout-1" };
    await place(service, await as("customer-ann", CUSTOMER), orderBody(LINES, "customer-ann"), key);
    const probe = await place(
      service,
      await as("customer-bob", CUSTOMER),
      orderBody([{ sku: "MUG-1", quantity: 3 }], "customer-bob"),
      key,
    );
    expect(probe.statusCode, probe.body).toBe(201);
    expect(probe.headers[REPLAYED_HEADER]).toBeUndefined();
  });
});

describe("the shipping address of GET /orders/:orderId", () => {
  const testbed = useInventoryTestbed();

  it("is shown to the customer it belongs to and to pii:read, and masked for staff without pii:read", async () => {
    const service = await testbed.service();
    await putProduct(service, "MUG-1", 10);
    const orderId = placedId(
      await place(service, await as("customer-7", CUSTOMER), orderBody(LINES, "customer-7")),
    );
    const addressFor = async (authorization: string) => {
      const response = await service.app.inject({
        method: "GET",
        url: `/orders/${orderId}`,
        headers: { authorization },
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ shippingAddress: unknown; customerId: string }>().shippingAddress;
    };

    expect(await addressFor(await as("customer-7", ["orders:read"]))).toEqual(ADDRESS);
    expect(
      await addressFor(await as("support", ["orders:read", "orders:all", "pii:read"])),
    ).toEqual(ADDRESS);
    expect(await addressFor(await as("support", ["orders:read", "orders:all"]))).toEqual({
      name: PERSONAL_DATA_MASK,
      line1: PERSONAL_DATA_MASK,
      city: PERSONAL_DATA_MASK,
      postalCode: PERSONAL_DATA_MASK,
      country: ADDRESS.country,
    });
  });
});
