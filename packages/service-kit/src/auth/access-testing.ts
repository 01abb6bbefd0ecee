import type { InjectOptions } from "fastify";
import { expect } from "vitest";
import type { KitApp } from "../app-types.js";
import { DOCS_PREFIX } from "../openapi.js";
import type { RouteGuard } from "./route-auth.js";
import { SCOPE_NAMES, type Scope } from "./scopes.js";
import type { TestIdentity } from "./test-identity.js";

/** How to call one route in an access-control test. */
export interface AccessCase {
  /** The request, without `authorization` (the test adds each token in turn). */
  request: InjectOptions;
  /** The status the allowed caller gets. Default: any 2xx. */
  status?: number;
  /**
   * The subject the resource belongs to (a customer, a client app): the allowed caller
   * is this subject, and another subject with the same scope gets a 404, as if the
   * resource did not exist. Default: nobody's (any subject with the scope may).
   */
  ownedBy?: string;
  /** Run before the allowed call, e.g. to create what it acts on again. */
  before?: () => Promise<void>;
}

/** The kit's own routes, which the kit's tests cover: metrics and the API docs. */
function isKitRoute(guard: RouteGuard): boolean {
  return guard.url === "/metrics" || guard.url.startsWith(DOCS_PREFIX);
}

/** `METHOD /path` of every guarded route of the service (not HEAD, not public, not the kit's). */
export function guardedRoutes(app: KitApp): Map<string, Scope> {
  const routes = new Map<string, Scope>();
  for (const guard of app.routeGuards()) {
    if (guard.method === "HEAD" || guard.public || isKitRoute(guard)) continue;
    routes.set(`${guard.method} ${guard.url}`, guard.scope as Scope);
  }
  return routes;
}

/**
 * The proof that every route of a service is guarded: `cases` must name exactly the
 * service's guarded routes (a new route without a case fails), and for each one
 * - no token → 401,
 * - a token with every scope but the route's → 403,
 * - another subject's token with the scope → 404, when the resource is `ownedBy` one,
 * - a token with only the route's scope (for the owner, when owned) → the expected status.
 */
export async function expectAccessControl(
  app: KitApp,
  identity: TestIdentity,
  cases: Record<string, AccessCase>,
): Promise<void> {
  const routes = guardedRoutes(app);
  expect(Object.keys(cases).sort(), "a case for every guarded route, and no other").toEqual(
    [...routes.keys()].sort(),
  );
  for (const [route, accessCase] of Object.entries(cases)) {
    const scope = routes.get(route) as Scope;
    const call = async (authorization: string) => {
      const { headers, ...request } = accessCase.request;
      return app.inject({ ...request, headers: { ...headers, authorization } } as InjectOptions);
    };
    expect((await call("")).statusCode, `${route} without a token`).toBe(401);
    const others = SCOPE_NAMES.filter((name) => name !== scope);
    expect(
      (await call(await identity.bearer("someone", others))).statusCode,
      `${route} without ${scope}`,
    ).toBe(403);
    if (accessCase.ownedBy !== undefined) {
      const stranger = await identity.bearer(`not-${accessCase.ownedBy}`, [scope]);
      expect((await call(stranger)).statusCode, `${route} by another subject`).toBe(404);
    }
    await accessCase.before?.();
    const allowed = await call(await identity.bearer(accessCase.ownedBy ?? "someone", [scope]));
    if (accessCase.status === undefined)
      expect(allowed.statusCode, `${route} with ${scope}: ${allowed.body}`).toBeGreaterThanOrEqual(
        200,
      );
    if (accessCase.status === undefined)
      expect(allowed.statusCode, `${route} with ${scope}: ${allowed.body}`).toBeLessThan(300);
    else
      expect(allowed.statusCode, `${route} with ${scope}: ${allowed.body}`).toBe(accessCase.status);
  }
}

/** The Markdown table of a service's routes and their scopes, as its README lists them. */
export function routeScopeTable(app: KitApp): string {
  const rows = [...guardedRoutes(app)].map(([route, scope]) => `| \`${route}\` | \`${scope}\` |`);
  return ["| Route | Scope |", "| --- | --- |", ...rows].join("\n");
}

/** The heading of the README section that holds a service's route table. */
export const ROUTES_AND_SCOPES_HEADING = "## Routes and scopes";

/**
 * The route table of the README's "Routes and scopes" section lists exactly the routes
 * and scopes the code gives ({@link routeScopeTable}), however its columns are padded.
 */
export function expectReadmeRouteTable(readme: string, app: KitApp): void {
  const start = readme.indexOf(`${ROUTES_AND_SCOPES_HEADING}\n`);
  expect(start, `the README has a "${ROUTES_AND_SCOPES_HEADING}" section`).toBeGreaterThanOrEqual(
    0,
  );
  const rest = readme.slice(start + ROUTES_AND_SCOPES_HEADING.length);
  const end = rest.search(/^## /m);
  const listed = (end === -1 ? rest : rest.slice(0, end))
    .split("\n")
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .filter((cells) => /^`[A-Z,]+ \/[^`]*`$/.test(cells[1] ?? ""))
    .map((cells) => `${cells[1]} ${cells[2]}`);
  const expected = [...guardedRoutes(app)].map(([route, scope]) => `\`${route}\` \`${scope}\``);
  expect(listed.sort(), "the README's route table: paste routeScopeTable(app)").toEqual(
    expected.sort(),
  );
}

/**
 * `app` with `inject` sent over a real socket to `baseUrl`, where `app` listens: for
 * {@link expectAccessControl} on server-sent-event routes, whose streams `app.inject`
 * answers only once they end. A stream's answer is its status, and the stream is
 * dropped at once; any other answer is read whole. An empty `authorization` is no header.
 */
export function overTheSocket(app: KitApp, baseUrl: string): KitApp {
  const inject = async (options: {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    payload?: unknown;
  }) => {
    const abort = new AbortController();
    const headers: Record<string, string> = { ...options.headers };
    if (headers.authorization === "") delete headers.authorization;
    if (options.payload !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${baseUrl}${options.url}`, {
      method: options.method ?? "GET",
      headers,
      ...(options.payload === undefined ? {} : { body: JSON.stringify(options.payload) }),
      signal: abort.signal,
    });
    if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
      abort.abort();
      return { statusCode: response.status, body: "(a stream)" };
    }
    return { statusCode: response.status, body: await response.text() };
  };
  return Object.create(app, { inject: { value: inject } }) as KitApp;
}
