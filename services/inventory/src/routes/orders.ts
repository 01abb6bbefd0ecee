import { catalog, maskPersonalData } from "@retail/contracts";
import {
  type Counter,
  errorBodySchema,
  type Principal,
  perMinuteLimit,
  type RoutesPlugin,
} from "@retail/service-kit";
import {
  AlreadyDispatchedError,
  CustomerMismatchError,
  IdempotencyKeyReusedError,
  OrderNotCancellableError,
  OrderNotFoundError,
  OutOfStockError,
  UnknownSkuError,
} from "../errors.js";
import type { Order } from "../model.js";
import type { OrderPlacement } from "../store/order-placement.js";
import type { OrderStore } from "../store/orders.js";
import {
  cancelBodySchema,
  cancelledOrderSchema,
  cancelRequestedSchema,
  customerIdSchema,
  orderBodySchema,
  orderHeaders,
  orderParams,
  orderSchema,
  placedOrderSchema,
} from "./schemas.js";

/** Marks a response that repeats the one given earlier for the same Idempotency-Key. */
export const REPLAYED_HEADER = "idempotent-replayed";

/** `POST /orders`, `GET /orders/:orderId`, `POST /orders/:orderId/cancel`. */
export function orderRoutes(
  orders: OrderStore,
  placement: OrderPlacement,
  placed: Counter<"outcome">,
  ordersPerMinutePerCustomer: number,
): RoutesPlugin {
  return async (app) => {
    app.post(
      "/orders",
      {
        config: {
          scope: "orders:write",
          // One customer's flood of orders would reserve the stock everybody buys from.
          rateLimit: perMinuteLimit(ordersPerMinutePerCustomer, "orders:all"),
        },
        schema: {
          tags: ["orders"],
          summary: "Place an order: reserve every line, all or nothing (publishes order.placed)",
          headers: orderHeaders,
          body: orderBodySchema,
          response: {
            201: placedOrderSchema,
            400: errorBodySchema,
            403: errorBodySchema,
            409: errorBodySchema,
            422: errorBodySchema,
            429: errorBodySchema,
            // Redis unreachable: retry with the same Idempotency-Key (see the README)
            503: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { principal } = request;
        const customerId = orderingCustomer(principal, request.body.customerId);
        const key = request.headers["idempotency-key"];
        const outcome = await placement.place(
          { ...request.body, customerId },
          key === undefined ? undefined : { subject: principal.subject, key },
        );
        switch (outcome.kind) {
          case "key_reused":
            throw new IdempotencyKeyReusedError();
          case "unknown_sku":
            throw new UnknownSkuError(`Unknown SKU: ${outcome.skus.join(", ")}`, {
              details: { skus: outcome.skus },
            });
        }
        const { order, replayed } = outcome;
        if (replayed) reply.header(REPLAYED_HEADER, "true");
        else placed.inc({ outcome: outcome.kind });
        request.log.info(
          { orderId: order.orderId, outcome: outcome.kind, replayed },
          outcome.kind === "placed" ? "order placed" : "order rejected: out of stock",
        );
        if (outcome.kind === "rejected") throw outOfStock(order);
        return reply.code(201).send({
          orderId: order.orderId,
          status: "reserved" as const,
          lines: order.lines,
          totalCents: order.totalCents,
          createdAt: order.createdAt,
        });
      },
    );

    app.get(
      "/orders/:orderId",
      {
        config: { scope: "orders:read" },
        schema: {
          tags: ["orders"],
          summary: "An order and where it is in its saga",
          params: orderParams,
          response: { 200: orderSchema, 400: errorBodySchema, 404: errorBodySchema },
        },
      },
      async (request) => {
        const { principal } = request;
        const order = await orders.get(request.params.orderId);
        // Another customer's order is not found, as an unknown one: ids cannot be probed.
        if (!order || !principal.actsFor(order.customerId, "orders:all"))
          throw orderNotFound(request.params.orderId);
        const shown = present(order);
        return principal.subject === order.customerId || principal.has("pii:read")
          ? shown
          : maskPersonalData(catalog["order.placed"], shown);
      },
    );

    app.post(
      "/orders/:orderId/cancel",
      {
        config: { scope: "orders:write" },
        schema: {
          tags: ["orders"],
          summary:
            "Ask to cancel an order (publishes order.cancel-requested); shipping decides against its dispatch",
          params: orderParams,
          body: cancelBodySchema,
          response: {
            200: cancelledOrderSchema,
            202: cancelRequestedSchema,
            400: errorBodySchema,
            404: errorBodySchema,
            409: errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const { orderId } = request.params;
        const reason = request.body?.reason ?? "cancelled on request";
        const { principal } = request;
        const owner = principal.has("orders:all") ? undefined : principal.subject;
        const outcome = await orders.requestCancel(orderId, reason, owner);
        switch (outcome.kind) {
          case "not_found":
            throw orderNotFound(orderId);
          case "not_cancellable":
            throw notCancellable(orderId, outcome.status, outcome.refused);
          case "already_cancelled":
            request.log.info({ orderId }, "order was already cancelled");
            return reply.code(200).send({ orderId, status: "cancelled" as const });
          case "requested":
            request.log.info({ orderId, reason }, "order cancel requested");
            return reply.code(202).send({ orderId, status: "cancel_requested" as const });
        }
      },
    );
  };
}

/**
 * Whose order a caller places: the body's `customerId`, which must be the subject unless
 * the caller holds `orders:all`; the subject when the body names nobody.
 */
function orderingCustomer(principal: Principal, asked: string | undefined): string {
  const customerId = asked ?? principal.subject;
  if (!principal.actsFor(customerId, "orders:all"))
    throw new CustomerMismatchError(
      `This token may place orders for ${principal.subject} only, not ${customerId}`,
      { details: { field: "customerId" } },
    );
  // A subject that cannot be a customer id (the events' contract) is no customer.
  if (!customerIdSchema.safeParse(customerId).success)
    throw new CustomerMismatchError("The token's subject is not a valid customer id", {
      details: { field: "customerId" },
    });
  return customerId;
}

/** 409: dispatched (or refused by shipping because it was), else failed, rejected or refused otherwise. */
function notCancellable(orderId: string, status: string, refused: string | undefined) {
  const details = { orderId, status, ...(refused === undefined ? {} : { refused }) };
  const left =
    refused === undefined
      ? status === "dispatched" || status === "delivered"
      : refused === "already_dispatched";
  if (left) {
    return new AlreadyDispatchedError(undefined, { details });
  }
  const why = refused === undefined ? `is ${status}` : `could not be cancelled (${refused})`;
  return new OrderNotCancellableError(`The order ${why} and can no longer be cancelled`, {
    details,
  });
}

function orderNotFound(orderId: string) {
  return new OrderNotFoundError(`No order ${orderId}`, { details: { orderId } });
}

function outOfStock(order: Order) {
  // Rebuilt field by field: the same body whether fresh or replayed for an Idempotency-Key.
  const lines = (order.rejectedLines ?? []).map(({ sku, requested, available }) => ({
    sku,
    requested,
    available,
  }));
  const summary = lines
    .map((line) => `${line.sku} (requested ${line.requested}, available ${line.available})`)
    .join(", ");
  return new OutOfStockError(`Not enough stock for ${summary}`, {
    details: { orderId: order.orderId, lines },
  });
}

/** The order as the API shows it (no internal fields). */
function present(order: Order) {
  const { rejectedLines: _rejected, ...shown } = order;
  return shown;
}
