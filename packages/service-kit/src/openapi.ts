import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import type { KitApp } from "./app-types.js";
import { withRouteDefaults } from "./auth/route-auth.js";

/** What the OpenAPI document says about the service. */
export interface OpenApiOptions {
  /** Document title. Default: the service name. */
  title?: string;
  /** API version. Default: `"0.0.0"`. */
  version?: string;
  /** Free text shown above the operations. Default: none. */
  description?: string;
}

/** Where the UI is served; the document is at `${DOCS_PREFIX}/json`. */
export const DOCS_PREFIX = "/docs";

/**
 * Generate an OpenAPI 3.1 document from the zod schemas of every route registered
 * afterwards (routes with `schema.hide` are left out) and serve it with Swagger UI.
 */
export async function registerOpenApi(
  app: KitApp,
  serviceName: string,
  options: OpenApiOptions,
): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: options.title ?? serviceName,
        version: options.version ?? "0.0.0",
        ...(options.description === undefined ? {} : { description: options.description }),
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // The document lists every route: operators' reading, like the metrics.
  await app.register(
    withRouteDefaults({ scope: "ops:read" }, async (docs) => {
      await docs.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
    }),
  );
}
