import { errorBodySchema, type RoutesPlugin } from "@retail/service-kit";
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
        const { created, product } = await products.put(sku, request.body, request.id);
        request.log.info({ sku, created, available: product.available }, "product saved");
        return reply.code(created ? 201 : 200).send(product);
      },
    );

    app.post(
      "/products/:sku/restock",
      {
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
        const product = await products.restock(sku, request.body.quantity, request.id);
        if (!product) throw notFound(sku);
        request.log.info(
          { sku, quantity: request.body.quantity, available: product.available },
          "restocked",
        );
        return product;
      },
    );
  };
}

function notFound(sku: string) {
  return new ProductNotFoundError(`No product with SKU ${sku}`, { details: { sku } });
}
