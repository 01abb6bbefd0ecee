/** The service's name: its bus publisher name, consumer group, Pub/Sub channel and key prefix. */
export const SERVICE_NAME = "notifications";

const prefix = `{${SERVICE_NAME}}`;

/**
 * Every Redis key of the service's own state. All carry the `{notifications}` hash tag:
 * one Redis Cluster slot, shared with the group's processed-event marks
 * (`processed:{notifications}`), so a handler's writes and its mark commit together.
 */
export const keys = {
  /** String with a TTL: the customer of an order, remembered from order.placed. */
  orderCustomer: (orderId: string) => `${prefix}:order-customer:${orderId}`,
  /**
   * List with a TTL: the customer's notifications no app has received yet, as JSON,
   * oldest first, capped; taken when one of the customer's apps connects.
   */
  kept: (customerId: string) => `${prefix}:kept:${customerId}`,
} as const;

/**
 * The direct Pub/Sub channels (`direct:notifications:<customerId>`): every connected
 * app of a customer listens on the customer's.
 */
export const CHANNEL = SERVICE_NAME;
