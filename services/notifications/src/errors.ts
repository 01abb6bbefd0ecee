import { defineError } from "@retail/service-kit";

/**
 * Thrown by a handler when the event's order has no known customer yet (its
 * order.placed is not handled yet): the bus retries the event.
 */
export const OrderCustomerUnknownError = defineError(
  "order_customer_unknown",
  409,
  "The order's customer is not known yet",
);
