import { randomUUID } from "node:crypto";
import { openSse, type SseClient } from "@retail/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../src/system.js";
import { authorized, URLS, waitForHealthyStack, waitUntil, waitUntilReady } from "./stack.js";

const INVENTORY = URLS.inventory;
const NOTIFICATIONS = URLS.notifications;
const SKU = "E2E-NOTIFY";

/** The customer's own token, as their app holds it: their orders and notifications. */
const customer = (customerId: string) => authorized(customerId, ["orders:write", "orders:read"]);

async function placeOrder(customerId: string): Promise<string> {
  const response = await fetch(`${INVENTORY}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(await customer(customerId)) },
    body: JSON.stringify(orderBody(customerId, SKU)),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { orderId: string }).orderId;
}

interface Kept {
  notifications: { id: string; kind: string; orderId: string }[];
}

async function kept(customerId: string): Promise<Kept["notifications"]> {
  const response = await fetch(`${NOTIFICATIONS}/customers/${customerId}/notifications/kept`, {
    headers: await customer(customerId),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as Kept).notifications;
}

const kindsOf = (stream: SseClient) =>
  stream.events.map((event) => (event.data as { kind: string }).kind);

// On the stack global-setup.ts starts; the fourth service, which only the catalog and
// compose know about.
describe("docker compose: the notifications service tells customers' apps how their orders go", () => {
  beforeAll(async () => {
    await waitForHealthyStack(180_000);
    await waitUntilReady("notifications", 60_000);
    const stocked = await fetch(`${INVENTORY}/products/${SKU}`, {
      method: "PUT",
      headers: {
        "content-type": "application/json",
        ...(await authorized("e2e-back-office", ["catalog:write"])),
      },
      body: JSON.stringify({ name: SKU, priceCents: 1_500, available: 100 }),
    });
    expect(stocked.status).toBeLessThan(300);
  });

  it("streams confirmed, dispatched and delivered to the customer's connected app as the order goes", async () => {
    const customerId = `e2e-live-${randomUUID()}`;
    const app = await openSse(
      `${NOTIFICATIONS}/customers/${customerId}/notifications`,
      await customer(customerId),
    );
    try {
      expect(app.status).toBe(200);
      await waitUntil(
        "the stream to be live",
        async () => app.comments.includes("connected"),
        30_000,
      );
      const orderId = await placeOrder(customerId);
      await waitUntil(
        "confirmed, dispatched and delivered",
        async () => kindsOf(app).length >= 3,
        60_000,
      );
      expect(kindsOf(app)).toEqual(["confirmed", "dispatched", "delivered"]);
      for (const event of app.events) expect(event.data).toMatchObject({ customerId, orderId });
      // received live: nothing waits for a later connection
      expect(await kept(customerId)).toEqual([]);
    } finally {
      app.close();
    }
  });

  it("keeps what the customer's apps missed while none was connected, and hands it over on connect", async () => {
    const customerId = `e2e-away-${randomUUID()}`;
    const orderId = await placeOrder(customerId);
    await waitUntil(
      "the order's notifications to be kept",
      async () =>
        (await kept(customerId)).some((notification) => notification.kind === "delivered"),
      60_000,
    );
    const missed = await kept(customerId);
    expect(missed.map((notification) => notification.kind)).toEqual([
      "confirmed",
      "dispatched",
      "delivered",
    ]);

    const app = await openSse(
      `${NOTIFICATIONS}/customers/${customerId}/notifications`,
      await customer(customerId),
    );
    try {
      await waitUntil(
        "the stream to be live",
        async () => app.comments.includes("connected"),
        30_000,
      );
      expect(app.events.map((event) => event.id)).toEqual(
        missed.map((notification) => notification.id),
      );
      for (const event of app.events) expect(event.data).toMatchObject({ customerId, orderId });
      expect(await kept(customerId)).toEqual([]);
    } finally {
      app.close();
    }
  });

  it("shows its consumer group on client-monitoring's /stats, which the dashboard draws", async () => {
    const response = await fetch(`${URLS["client-monitoring"]}/stats`, {
      headers: await authorized("e2e-ops", ["ops:read"]),
    });
    const { groups } = (await response.json()) as { groups: { topic: string; group: string }[] };
    const topics = groups
      .filter((group) => group.group === "notifications")
      .map(({ topic }) => topic);
    expect(topics.sort()).toEqual(
      ["order.delivered", "order.failed", "order.placed", "shipment.dispatched"].sort(),
    );
  });
});
