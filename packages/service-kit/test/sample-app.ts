import type { DestinationStream } from "pino";
import { z } from "zod";
import { buildApp } from "../src/app.js";
import type { RoutesPlugin } from "../src/app-types.js";
import { ALL_SCOPES, authorizeInjects, testIdentity } from "../src/auth/test-identity.js";
import type { Env } from "../src/config.js";
import { createServiceContext } from "../src/context.js";
import { defineError, errorBodySchema } from "../src/errors.js";
import type { ReadinessCheck } from "../src/health.js";

/** A domain error declared the way services declare theirs. */
export const OutOfStockError = defineError("out_of_stock", 409, "Not enough stock");

/** Variables a test service needs: a free port, loopback only, no log noise. */
export const TEST_ENV: Env = { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" };

export const orderBodySchema = z.object({
  customerId: z.string().min(1),
  lines: z
    .array(
      z.object({ sku: z.string().regex(/^[A-Z0-9-]+$/), quantity: z.number().int().positive() }),
    )
    .min(1),
});

/** Routes exercising body, params, query and header schemas, a domain error and a bug. */
export const sampleRoutes: RoutesPlugin = async (app) => {
  app.post(
    "/orders",
    {
      schema: {
        tags: ["orders"],
        summary: "Place an order",
        body: orderBodySchema,
        response: {
          201: z.object({ orderId: z.string(), lines: z.number() }),
          400: errorBodySchema,
        },
      },
      config: { scope: "orders:write" },
    },
    async (request, reply) =>
      reply.code(201).send({ orderId: "order-1", lines: request.body.lines.length }),
  );

  app.get(
    "/orders/:orderId",
    {
      schema: {
        tags: ["orders"],
        params: z.object({ orderId: z.uuid() }),
        querystring: z.object({
          include: z.enum(["lines", "events"]).optional(),
          limit: z.coerce.number().int().min(1).max(100).optional(),
        }),
        headers: z.object({
          "x-tenant": z
            .string()
            .regex(/^[a-z]+$/)
            .optional(),
        }),
        response: { 200: z.object({ orderId: z.string(), limit: z.number() }) },
      },
      config: { scope: "orders:read" },
    },
    async (request) => ({ orderId: request.params.orderId, limit: request.query.limit ?? 10 }),
  );

  app.post(
    "/stock/:sku/reserve",
    { schema: { params: z.object({ sku: z.string() }) }, config: { scope: "catalog:write" } },
    async (request) => {
      throw new OutOfStockError(undefined, { details: { sku: request.params.sku, available: 0 } });
    },
  );

  app.get("/boom", { config: { scope: "ops:read" } }, async () => {
    throw new Error("connection string redis://:hunter2@db failed");
  });
};

export interface SampleAppOptions {
  env?: Env;
  readinessChecks?: ReadinessCheck[];
  logDestination?: DestinationStream;
}

/** A context and an app built from {@link sampleRoutes}, as a service would build them. */
export async function buildSampleApp(options: SampleAppOptions = {}) {
  const context = createServiceContext({
    name: "sample",
    env: { ...TEST_ENV, ...options.env },
    ...(options.logDestination === undefined ? {} : { logDestination: options.logDestination }),
  });
  const identity = await testIdentity();
  const app = await buildApp({
    context,
    auth: identity.verifier,
    routes: sampleRoutes,
    readinessChecks: options.readinessChecks ?? [],
    openapi: { title: "Sample service", version: "1.2.3" },
  });
  // The sample's tests are about everything but access control: a caller with every scope.
  authorizeInjects(app, await identity.bearer("operator", ALL_SCOPES));
  return { context, app };
}
