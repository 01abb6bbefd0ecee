import { defineError } from "@retail/service-kit";

/** This instance already serves `SSE_MAX_STREAMS` streams: try again shortly (or another instance). */
export const TooManyStreamsError = defineError(
  "too_many_streams",
  503,
  "This instance serves as many notification streams as it may; retry later",
  { retryAfterSeconds: 5 },
);

/**
 * Thrown by a handler when the event's order has no known customer yet (its
 * order.placed is not handled yet): the bus retries the event.
 */
export const OrderCustomerUnknownError = defineError(
  "order_customer_unknown",
  409,
  "The order's customer is not known yet",
);
