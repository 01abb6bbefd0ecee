import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApp } from "../app.js";
import type { KitApp, RoutesPlugin } from "../app-types.js";
import { createServiceContext } from "../context.js";
import { generateDevSigningKey } from "./dev-keys.js";
import { RouteWithoutScopeError, withRouteDefaults } from "./route-auth.js";
import { testIdentity } from "./test-identity.js";

const ENV = { PORT: "0", LOG_LEVEL: "silent" };

const routes: RoutesPlugin = async (app) => {
  app.get(
    "/orders/:orderId",
    { schema: { params: z.object({ orderId: z.string() }) }, config: { scope: "orders:read" } },
    async (request) => ({
      orderId: request.params.orderId,
      subject: request.principal.subject,
      mine: request.principal.actsFor("c-1", "orders:all"),
    }),
  );
  app.get("/open", { config: { public: true } }, async (request) => ({
    subject: request.principal.subject,
  }));
};

async function app(plugin: RoutesPlugin = routes): Promise<KitApp> {
  const identity = await testIdentity();
  return buildApp({
    context: createServiceContext({ name: "guarded", env: ENV }),
    auth: identity.verifier,
    routes: plugin,
  });
}

const errorOf = (response: { json(): unknown }) =>
  (response.json() as { error: { code: string; details?: unknown } }).error;

describe("bearer-token authentication with a scope per route", () => {
  it("answers 401 unauthenticated, with WWW-Authenticate, to a request without a token", async () => {
    const guarded = await app();
    for (const authorization of [undefined, "", "Basic dXNlcjpwYXNz", "Bearer"]) {
      const response = await guarded.inject({
        url: "/orders/o-1",
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).code).toBe("unauthenticated");
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="retail"');
    }
  });

  it("answers 401 invalid_token to a token of another key, an expired one, one for another audience or issuer, and garbage", async () => {
    const identity = await testIdentity();
    const stranger = await generateDevSigningKey();
    const tokens = [
      await stranger.sign({ subject: "c-1", scopes: ["orders:read"] }),
      await identity.token("c-1", ["orders:read"], { expiresInSeconds: -120 }),
      await identity.token("c-1", ["orders:read"], { audience: "another-api" }),
      await identity.token("c-1", ["orders:read"], { issuer: "another-idp" }),
      "not.a.token",
    ];
    const guarded = await app();
    for (const token of tokens) {
      const response = await guarded.inject({
        url: "/orders/o-1",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).code).toBe("invalid_token");
      expect(response.headers["www-authenticate"]).toContain('error="invalid_token"');
    }
  });

  it("answers 403 insufficient_scope, naming the scope, to a valid token without it", async () => {
    const identity = await testIdentity();
    const response = await (await app()).inject({
      url: "/orders/o-1",
      headers: { authorization: await identity.bearer("c-1", ["orders:write", "catalog:read"]) },
    });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response)).toMatchObject({
      code: "insufficient_scope",
      details: { scope: "orders:read" },
    });
  });

  it("lets a token with the scope through and gives the handler its principal", async () => {
    const identity = await testIdentity();
    const guarded = await app();
    const own = await guarded.inject({
      url: "/orders/o-1",
      headers: { authorization: await identity.bearer("c-1", ["orders:read"]) },
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toEqual({ orderId: "o-1", subject: "c-1", mine: true });
    const other = await guarded.inject({
      url: "/orders/o-1",
      headers: { authorization: await identity.bearer("c-2", ["orders:read"]) },
    });
    expect(other.json()).toMatchObject({ subject: "c-2", mine: false });
    const staff = await guarded.inject({
      url: "/orders/o-1",
      headers: { authorization: await identity.bearer("clerk", ["orders:read", "orders:all"]) },
    });
    expect(staff.json()).toMatchObject({ subject: "clerk", mine: true });
  });

  it("guards the HEAD route Fastify adds for a GET like the GET", async () => {
    const response = await (await app()).inject({ method: "HEAD", url: "/orders/o-1" });
    expect(response.statusCode).toBe(401);
  });

  it("keeps public routes and health open, answers 404 to an unknown URL, and puts metrics and docs behind ops:read", async () => {
    const identity = await testIdentity();
    const guarded = await app();
    const open = await guarded.inject({ url: "/open" });
    expect(open.json()).toEqual({ subject: "" });
    expect((await guarded.inject({ url: "/health/live" })).statusCode).toBe(200);
    expect((await guarded.inject({ url: "/health/ready" })).statusCode).toBe(200);
    expect((await guarded.inject({ url: "/no/such/route" })).statusCode).toBe(404);
    const operator = await identity.bearer("ops", ["ops:read"]);
    for (const url of ["/metrics", "/docs/json", "/docs"]) {
      expect((await guarded.inject({ url })).statusCode, url).toBe(401);
      const customer = await identity.bearer("c-1", ["orders:read"]);
      expect((await guarded.inject({ url, headers: { authorization: customer } })).statusCode).toBe(
        403,
      );
      const allowed = await guarded.inject({ url, headers: { authorization: operator } });
      expect(allowed.statusCode, url).toBeLessThan(400);
    }
  });

  it("refuses to build an app with a route that declares neither a scope nor public, naming it", async () => {
    const undeclared: RoutesPlugin = async (routesApp) => {
      await routes(routesApp, {});
      routesApp.post("/products/:sku/restock", async () => ({}));
    };
    const built = app(undeclared);
    await expect(built).rejects.toBeInstanceOf(RouteWithoutScopeError);
    await expect(built).rejects.toThrow("POST /products/:sku/restock");
  });

  it("declares a plugin's routes with withRouteDefaults, without overriding a route's own", async () => {
    const identity = await testIdentity();
    const guarded = await app(
      withRouteDefaults({ scope: "ops:read" }, async (plugin) => {
        plugin.get("/stats", async () => ({ ok: true }));
        plugin.get("/shell", { config: { public: true } }, async () => ({ ok: true }));
      }),
    );
    expect((await guarded.inject({ url: "/stats" })).statusCode).toBe(401);
    const stats = await guarded.inject({
      url: "/stats",
      headers: { authorization: await identity.bearer("ops", ["ops:read"]) },
    });
    expect(stats.statusCode).toBe(200);
    expect((await guarded.inject({ url: "/shell" })).statusCode).toBe(200);
  });
});
