import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApp } from "../app.js";
import type { KitApp } from "../app-types.js";
import { createServiceContext } from "../context.js";
import { NotFoundError } from "../errors.js";
import { expectAccessControl, expectReadmeRouteTable, routeScopeTable } from "./access-testing.js";
import { testIdentity } from "./test-identity.js";

async function ordersApp(): Promise<KitApp> {
  return buildApp({
    context: createServiceContext({ name: "orders", env: { PORT: "0", LOG_LEVEL: "silent" } }),
    auth: (await testIdentity()).verifier,
    routes: async (app) => {
      app.get(
        "/orders/:orderId",
        { schema: { params: z.object({ orderId: z.string() }) }, config: { scope: "orders:read" } },
        async (request) => {
          // Only c-1's order exists, and only c-1 (or staff) may see it.
          if (!request.principal.actsFor("c-1", "orders:all")) throw new NotFoundError();
          return { orderId: request.params.orderId };
        },
      );
      app.get("/products", { config: { scope: "catalog:read" } }, async () => []);
      app.get("/shell", { config: { public: true } }, async () => "ok");
    },
  });
}

describe("the access-control proof", () => {
  it("passes for a service whose every guarded route has a case that holds", async () => {
    const app = await ordersApp();
    await expectAccessControl(app, await testIdentity(), {
      "GET /orders/:orderId": { request: { method: "GET", url: "/orders/o-1" }, ownedBy: "c-1" },
      "GET /products": { request: { method: "GET", url: "/products" } },
    });
  });

  it("fails when a guarded route has no case, as a newly added one would", async () => {
    const app = await ordersApp();
    await expect(
      expectAccessControl(app, await testIdentity(), {
        "GET /products": { request: { method: "GET", url: "/products" } },
      }),
    ).rejects.toThrow(/a case for every guarded route/);
  });

  it("fails when another subject can read what is owned, as a route that forgot the owner check would", async () => {
    const app = await ordersApp();
    await expect(
      expectAccessControl(app, await testIdentity(), {
        "GET /orders/:orderId": { request: { method: "GET", url: "/orders/o-1" }, ownedBy: "c-1" },
        // /products checks no owner: claimed as c-1's, a stranger reads it too.
        "GET /products": { request: { method: "GET", url: "/products" }, ownedBy: "c-1" },
      }),
    ).rejects.toThrow(/by another subject/);
  });

  it("renders the route table a README must hold, without public, HEAD or kit routes", async () => {
    const app = await ordersApp();
    const table = routeScopeTable(app);
    expect(table).toBe(
      [
        "| Route | Scope |",
        "| --- | --- |",
        "| `GET /orders/:orderId` | `orders:read` |",
        "| `GET /products` | `catalog:read` |",
      ].join("\n"),
    );
    // Another section's table of routes does not count.
    const api = "## API\n\n| `GET /orders/:orderId` | an order |\n";
    expectReadmeRouteTable(`# Orders\n\n## Routes and scopes\n\n${table}\n\n${api}`, app);
    // Padded by a formatter, it still counts.
    const padded = table.replaceAll("| `GET /products` |", "| `GET /products`        |");
    expectReadmeRouteTable(`# Orders\n\n## Routes and scopes\n\n${padded}\n`, app);
    expect(() => expectReadmeRouteTable("# Orders\n", app)).toThrow();
    const missing = `## Routes and scopes\n\n${table.split("\n").slice(0, -1).join("\n")}`;
    expect(() => expectReadmeRouteTable(missing, app)).toThrow();
  });
});
