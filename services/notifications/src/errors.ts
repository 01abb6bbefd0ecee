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

/**
 * 404: the caller may not read this customer's notifications (it is another customer,
 * without `orders:all`). Answered whether or not the customer has any, so customer ids
 * cannot be probed.
 */
export const CustomerNotFoundError = defineError("customer_not_found", 404, "No such customer");
