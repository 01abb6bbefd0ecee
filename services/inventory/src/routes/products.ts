import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { CORRELATION_ID_HEADER, errorBodySchema, type RoutesPlugin } from "@retail/service-kit";
import { z } from "zod";
import { ProductNotFoundError } from "../errors.js";
import type { ProductStore } from "../store/products.js";
import {
  listProductsQuery,
  productBodySchema,
  productSchema,
  restockBodySchema,
  skuParams,
} from "./schemas.js";

/** `GET /products`, `GET /products/:sku`, `PUT /products/:sku`, `POST /products/:sku/restock`. */
export function productRoutes(products: ProductStore): RoutesPlugin {
  return async (app) => {
    app.get(
      "/products",
      {
        config: { scope: "catalog:read" },
        schema: {
          tags: ["products"],
          summary: "List products by SKU",
          querystring: listProductsQuery,
          response: { 200: z.array(productSchema), 400: errorBodySchema },
        },
      },
      async (request) => products.list(request.query),
    );

    app.get(
      "/products/:sku",
      {
        config: { scope: "catalog:read" },
        schema: {
          tags: ["products"],
          summary: "One product and its stock",
          params: skuParams,
          response: { 200: productSchema, 400: errorBodySchema, 404: errorBodySchema },
        },
      },
      async (request) => {
        const product = await products.get(request.params.sku);
        if (!product) throw notFound(request.params.sku);
        return product;
      },
    );

    app.put(
      "/products/:sku",
      {
        config: { scope: "catalog:write" },
        schema: {
          tags: ["products"],
          summary: "Create a product or replace its name, price, available stock and threshold",
          params: skuParams,
          body: productBodySchema,
          response: { 200: productSchema, 201: productSchema, 400: errorBodySchema },
        },
      },
      async (request, reply) => {
        const { sku } = request.params;
        const correlationId = eventCorrelationId(request);
        const { created, product } = await products.put(sku, request.body, correlationId);
        request.log.info(
          { sku, created, available: product.available, eventCorrelationId: correlationId },
          "product saved",
        );
        return reply.code(created ? 201 : 200).send(product);
      },
    );

    app.post(
      "/products/:sku/restock",
      {
        config: { scope: "catalog:write" },
        schema: {
          tags: ["products"],
          summary: "Add units to the available stock (publishes stock.restocked)",
          params: skuParams,
          body: restockBodySchema,
          response: { 200: productSchema, 400: errorBodySchema, 404: errorBodySchema },
        },
      },
      async (request) => {
        const { sku } = request.params;
        const correlationId = eventCorrelationId(request);
        const product = await products.restock(sku, request.body.quantity, correlationId);
        if (!product) throw notFound(sku);
        request.log.info(
          {
            sku,
            quantity: request.body.quantity,
            available: product.available,
            eventCorrelationId: correlationId,
          },
          "restocked",
        );
        return product;
      },
    );
  };
}

/**
 * The correlation id of the events a product request publishes: the request's own when
 * the kit made it, a fresh one when the caller chose it (`x-correlation-id`).
 * Client-monitoring files an event under its correlation id as an order's timeline, so a
 * caller's id naming some order would attach stock events to that order's timeline. The
 * request's log line names both ids.
 */
function eventCorrelationId(request: { id: string; headers: IncomingHttpHeaders }): string {
  return request.headers[CORRELATION_ID_HEADER] === request.id ? randomUUID() : request.id;
}

function notFound(sku: string) {
  return new ProductNotFoundError(`No product with SKU ${sku}`, { details: { sku } });
}
