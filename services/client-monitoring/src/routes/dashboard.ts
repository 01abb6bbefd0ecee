import fastifyStatic from "@fastify/static";
import { dashboardDirectory, topicViews } from "@retail/dashboard";
import { type RoutesPlugin, withRouteDefaults } from "@retail/service-kit";
import { z } from "zod";

export interface DashboardRoutesOptions {
  /** Inventory's base URL as the browser reaches it (`INVENTORY_PUBLIC_URL`). */
  inventoryUrl: string;
  /** The page's folder. Default: `@retail/dashboard`'s `public/`. */
  root?: string;
}

/** What the page reads first from `GET /config.json`. */
export const dashboardConfigSchema = z.object({ inventoryUrl: z.string() });

/**
 * The live dashboard: `GET /` is its index.html, and each of its files (app.js,
 * style.css, favicon.svg, index.html) has a route of its own: no wildcard, so the API
 * routes are untouched and any other path still gets the kit's `404 not_found`.
 * `GET /config.json` tells the page where inventory is, and `GET /topics.json` how to
 * show each topic of the catalog (`@retail/dashboard`'s `topicViews`: the view each
 * topic carries in the catalog). None of these is in the OpenAPI document.
 */
export function dashboardRoutes(options: DashboardRoutesOptions): RoutesPlugin {
  return async (app) => {
    app.get(
      "/config.json",
      {
        // The address a browser uses anyway; the page needs it before it has a token.
        config: { public: true },
        schema: { hide: true, response: { 200: dashboardConfigSchema } },
      },
      async (_request, reply) => {
        reply.header("cache-control", "no-store");
        return { inventoryUrl: options.inventoryUrl };
      },
    );

    // How topics look on the page: the catalog's presentation, no data.
    app.get(
      "/topics.json",
      { config: { public: true }, schema: { hide: true } },
      async (_request, reply) => {
        reply.header("cache-control", "no-store");
        return topicViews;
      },
    );

    // The page's files are public: it holds no data, and its script reads the token.
    await app.register(
      withRouteDefaults({ public: true }, async (files) => {
        await files.register(fastifyStatic, {
          root: options.root ?? dashboardDirectory,
          prefix: "/",
          // One route per file found at start-up instead of `/*`.
          wildcard: false,
          index: "index.html",
          // Hidden from OpenAPI (the plugin's default, spelled out).
          schemaHide: true,
          // Revalidate every time (ETag / Last-Modified): the page is small, and a new
          // deployment must not be hidden behind a cached app.js.
          cacheControl: true,
          maxAge: 0,
          // Only this plugin's files; `sendFile` is not needed elsewhere.
          decorateReply: false,
          setHeaders: (reply) => {
            reply.header("x-content-type-options", "nosniff");
          },
        });
      }),
    );
  };
}
