import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stockInvariantViolations } from "@retail/inventory/testing";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { orderBody } from "../src/system.js";
import { bearer, compose, containersOf, docker, URLS, waitUntil } from "./stack.js";

const INVENTORY = URLS.inventory;
const MONITORING = URLS["client-monitoring"];
/** The README's localhost:3002: shipping-gateway, in front of the restarted shipping. */
const SHIPPING = URLS.shipping;
const run = promisify(execFile);
const ADMIN_REDIS = `redis://default:${process.env.REDIS_ADMIN_PASSWORD ?? "demo-admin-password"}@127.0.0.1:6379`;
const OPERATOR_REDIS = `redis://operator:${process.env.REDIS_OPERATOR_PASSWORD ?? "demo-operator-password"}@127.0.0.1:6379`;

interface PlacedOrder {
  orderId: string;
  expected: "delivered" | "failed";
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the services under test, checked by the assertions
type Json = any;

/** A request of staff that may do anything (a token with every scope). */
async function http(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const authorization = await bearer();
  const response = await fetch(url, {
    method,
    headers:
      body === undefined
        ? { authorization }
        : { authorization, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Json };
}

// On the stack that global-setup.ts starts for the whole compose suite; this file runs first.
describe("docker compose: orders placed over HTTP travel through the whole stack", () => {
  it("delivers or compensates 50 orders, through a SIGKILL of shipping in mid-flight, with no shipment twice", async () => {
    for (const [sku, available] of [
      ["E2E-PLENTY", 1_000],
      ["E2E-EMPTY", 0],
    ] as const) {
      const response = await http("PUT", `${INVENTORY}/products/${sku}`, {
        name: sku,
        priceCents: 999,
        available,
      });
      expect(response.status).toBeLessThan(300);
    }

    const placed: PlacedOrder[] = [];
    let rejected = 0;
    for (let index = 0; index < 50; index += 1) {
      const kind = index % 10;
      // 40 ordinary orders, 5 to a country shipping does not serve, 5 out of stock
      const [sku, country, expected] =
        kind === 8
          ? ["E2E-PLENTY", "AQ", "failed"]
          : kind === 9
            ? ["E2E-EMPTY", "DE", "rejected"]
            : ["E2E-PLENTY", "DE", "delivered"];
      const response = await http(
        "POST",
        `${INVENTORY}/orders`,
        orderBody("e2e-customer", sku, 1, country),
      );
      if (expected === "rejected") {
        expect(response.status).toBe(409);
        expect(response.body.error.code).toBe("out_of_stock");
        rejected += 1;
      } else {
        expect(response.status).toBe(201);
        placed.push({
          orderId: response.body.orderId,
          expected: expected as PlacedOrder["expected"],
        });
      }
      if (index === 25) {
        // orders are in flight (shipments pending on their dispatch timers): kill shipping hard
        const [shipping] = await containersOf("shipping");
        await docker("kill", "--signal", "KILL", shipping as string);
        await waitUntil(
          "shipping to be down",
          async () =>
            (await docker("inspect", "-f", "{{.State.Running}}", shipping as string)) === "false",
          30_000,
        );
      }
    }
    expect(rejected).toBe(5);
    await compose("start", "shipping");

    await waitUntil(
      "every order to reach its final state",
      async () => {
        for (const order of placed) {
          const { body } = await http("GET", `${INVENTORY}/orders/${order.orderId}`);
          if (body?.status !== order.expected) return false;
        }
        return true;
      },
      240_000,
    );

    for (const order of placed) {
      const shipments = await http("GET", `${SHIPPING}/shipments?orderId=${order.orderId}`);
      expect(shipments.status).toBe(200);
      expect(shipments.body).toHaveLength(1);
      const timeline = await http("GET", `${MONITORING}/orders/${order.orderId}/timeline`);
      const types = (timeline.body.events as { type: string }[]).map((event) => event.type);
      const hops =
        order.expected === "delivered"
          ? [
              "order.placed",
              "shipment.created",
              "shipment.dispatched",
              "reservation.committed",
              "shipment.delivered",
              "order.delivered",
            ]
          : ["order.placed", "shipment.failed", "reservation.released", "order.failed"];
      expect(types).toEqual(expect.arrayContaining(hops));
    }

    const redis = new Redis(ADMIN_REDIS);
    try {
      expect(await stockInvariantViolations(redis)).toEqual([]);
    } finally {
      redis.disconnect();
    }
    // the 40 delivered orders shipped their units (loadgen's orders may add to these)
    const plenty = await http("GET", `${INVENTORY}/products/E2E-PLENTY`);
    expect(plenty.body.shipped).toBeGreaterThanOrEqual(40);
  });

  // On the stack the saga test above has driven (a file's tests run in order).
  it("reads the streams as the operator, from the host and inside the compose network, and may not run admin commands", async () => {
    const { stdout } = await run(
      "pnpm",
      [
        "--silent",
        "--dir",
        fileURLToPath(new URL("../../packages/cli", import.meta.url)),
        "retail",
        "streams",
        "--json",
      ],
      { env: { ...process.env, REDIS_URL: OPERATOR_REDIS, NO_COLOR: "1" }, timeout: 60_000 },
    );
    const streams = JSON.parse(stdout) as { topic: string; length: number }[];
    // the 45 orders the test above placed (its 5 refused ones went to order.rejected),
    // and however many loadgen placed meanwhile
    expect(
      streams.find((stream) => stream.topic === "order.placed")?.length,
    ).toBeGreaterThanOrEqual(45);

    // The same CLI inside the compose network, from its image (profile "tools").
    const inNetwork = JSON.parse(
      await compose("run", "--rm", "-T", "retail", "streams", "order.placed", "--json"),
    ) as { topic: string; length: number }[];
    expect(inNetwork.map((stream) => stream.topic)).toEqual(["order.placed"]);
    expect(inNetwork[0]?.length).toBeGreaterThanOrEqual(45);

    const operator = new Redis(OPERATOR_REDIS);
    try {
      await expect(operator.flushall()).rejects.toThrow(/NOPERM/);
      await expect(operator.get("{inventory}:stock:E2E-PLENTY")).rejects.toThrow(/NOPERM/);
    } finally {
      operator.disconnect();
    }
  });
});
