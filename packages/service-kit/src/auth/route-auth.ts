import type { FastifyRequest, RouteOptions } from "fastify";
import type { KitApp, RoutesPlugin } from "../app-types.js";
import { InsufficientScopeError, InvalidTokenError, UnauthenticatedError } from "../errors.js";
import { ANONYMOUS, type Principal } from "./principal.js";
import type { Scope } from "./scopes.js";
import type { TokenVerifier } from "./verifier.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The scope a caller's token must carry. Every route declares this or `public`. */
    scope?: Scope;
    /** Open to anybody (health checks, the dashboard's static shell). */
    public?: true;
  }
  interface FastifyInstance {
    /** Every route registered after the kit's auth, as guarded: for access-control tests. */
    routeGuards(): RouteGuard[];
  }
  interface FastifyRequest {
    /** Who sent the request: from the verified token, or {@link ANONYMOUS} on a public route. */
    principal: Principal;
  }
}

/**
 * A route that declares neither a scope nor `public`. Thrown by `buildApp`, so a route
 * added without thinking about who may call it never starts.
 */
export class RouteWithoutScopeError extends Error {
  readonly code = "route_without_scope";

  constructor(readonly routes: readonly string[]) {
    super(
      `Every route must declare config.scope or config.public; these do not: ${routes.join(", ")}`,
    );
    this.name = "RouteWithoutScopeError";
  }
}

/** How a route is guarded, as `buildApp` sees it after registration. */
export interface RouteGuard {
  method: string;
  url: string;
  scope: Scope | undefined;
  public: boolean;
}

/**
 * Deny by default: every request to a route is checked against its declaration before
 * anything else of the route runs (`onRequest`), and every route registered from here on
 * is recorded, so {@link assertEveryRouteGuarded} can refuse an undeclared one at start.
 */
export function registerAuth(app: KitApp, verify: TokenVerifier): () => RouteGuard[] {
  const routes: RouteOptions[] = [];
  app.decorateRequest("principal", null as unknown as Principal);
  const guards = () =>
    routes.map((route) => ({
      method: [route.method].flat().join(","),
      url: route.url,
      scope: route.config?.scope,
      public: route.config?.public === true,
    }));
  app.decorate("routeGuards", guards);
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });
  app.addHook("onRequest", async (request, reply) => {
    request.principal = ANONYMOUS;
    const config = request.routeOptions.config;
    // An unknown URL: the not-found handler answers 404 without revealing anything.
    if (request.is404 || config.public === true) return;
    const token = bearerToken(request);
    if (token === undefined) {
      reply.header("www-authenticate", 'Bearer realm="retail"');
      throw new UnauthenticatedError();
    }
    try {
      request.principal = await verify(token);
    } catch (error) {
      reply.header("www-authenticate", 'Bearer realm="retail", error="invalid_token"');
      throw new InvalidTokenError(undefined, { cause: error });
    }
    const scope = config.scope;
    // A route without a declaration never starts; should one slip through, deny.
    if (scope === undefined || !request.principal.has(scope)) {
      reply.header(
        "www-authenticate",
        `Bearer realm="retail", error="insufficient_scope", scope="${scope ?? ""}"`,
      );
      throw new InsufficientScopeError(
        scope === undefined ? undefined : `This route needs the scope ${scope}`,
        { details: { scope: scope ?? null } },
      );
    }
  });
  return guards;
}

/** Throws {@link RouteWithoutScopeError} naming every route that declares nothing. */
export function assertEveryRouteGuarded(guards: readonly RouteGuard[]): void {
  const bare = guards.filter((guard) => !guard.public && guard.scope === undefined);
  if (bare.length > 0)
    throw new RouteWithoutScopeError(bare.map((guard) => `${guard.method} ${guard.url}`));
}

/**
 * Register `routes` so that each of them that declares nothing gets `defaults`: for
 * routes a plugin adds (Swagger UI, static files), whose options the service cannot
 * write.
 */
export function withRouteDefaults(
  defaults: { scope: Scope } | { public: true },
  routes: RoutesPlugin,
): RoutesPlugin {
  return async (app, options) => {
    app.addHook("onRoute", (route) => {
      if (route.config?.scope === undefined && route.config?.public !== true)
        route.config = { ...route.config, ...defaults };
    });
    await app.register(routes, options);
  };
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}
