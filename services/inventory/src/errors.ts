import { defineError } from "@retail/service-kit";

/** 404: no product with this SKU. */
export const ProductNotFoundError = defineError("product_not_found", 404, "No such product");
/** 404: no order with this id. */
export const OrderNotFoundError = defineError("order_not_found", 404, "No such order");
/**
 * 403: an order's `customerId` is not the caller's own (the token's subject) and the
 * caller lacks `orders:all`, or the subject cannot be a customer id.
 * `details.field` is `customerId`.
 */
export const CustomerMismatchError = defineError(
  "customer_mismatch",
  403,
  "Orders can only be placed for the token's own customer",
);
/** 422: an order line names a SKU the catalog does not have. */
export const UnknownSkuError = defineError("unknown_sku", 422, "The order names an unknown SKU");
/** 409: some line of an order asks for more than is available; nothing was reserved. */
export const OutOfStockError = defineError("out_of_stock", 409, "Not enough stock");
/** 409: an `Idempotency-Key` already used for a different order body. */
export const IdempotencyKeyReusedError = defineError(
  "idempotency_key_reused",
  409,
  "This Idempotency-Key was already used with a different request body",
);
/** 409: the order's shipment was dispatched (or delivered): it can no longer be cancelled. */
export const AlreadyDispatchedError = defineError(
  "already_dispatched",
  409,
  "The order has been dispatched and can no longer be cancelled",
);
/** 409: the order is in a terminal state other than cancelled (failed, rejected). */
export const OrderNotCancellableError = defineError(
  "order_not_cancellable",
  409,
  "The order can no longer be cancelled",
);
/** 409: prices kept changing while the order was being placed; nothing was written. Retry. */
export const PriceChangedError = defineError(
  "price_changed",
  409,
  "A product's price changed while the order was being placed; please retry",
);
/**
 * 500: what inventory's own scripts guarantee did not hold (an order named by an
 * Idempotency-Key is missing, a product vanished inside its own script, a cancel
 * reason moved twice). A bug or tampered data; logged with its details.
 */
export const InvariantBrokenError = defineError(
  "invariant_broken",
  500,
  "Inventory found its stored data inconsistent",
);
