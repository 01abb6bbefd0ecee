/** The service's name: its bus publisher, consumer group, logger and key hash tag. */
export const SERVICE_NAME = "inventory";

const TAG = `{${SERVICE_NAME}}`;

/**
 * Every Redis key of the inventory service. All share the `{inventory}` hash tag, so
 * they live in one Redis Cluster slot together with the bus's processed-event marks
 * of the `inventory` group (`processed:{inventory}`).
 */
export const keys = {
  /** Hash: one product and its stock counters. */
  product: (sku: string) => `${TAG}:product:${sku}`,
  /** Sorted set (all scores 0, so ordered by SKU): every product's SKU. */
  products: `${TAG}:products`,
  /** Hash: one order. */
  order: (orderId: string) => `${TAG}:order:${orderId}`,
  /** Sorted set: every order id, scored by creation time (ms). */
  orders: `${TAG}:orders`,
  /**
   * Hash with a TTL: one caller's `Idempotency-Key` of `POST /orders` → body hash and
   * order id. The caller (the token's subject) is part of the key, so one caller can
   * neither replay nor probe another's; its length goes first, so no subject and key
   * read as another pair (`a:b` + `c` is not `a` + `b:c`).
   */
  idempotency: (subject: string, key: string) =>
    `${TAG}:idempotency:${subject.length}:${subject}:${key}`,
  /** String: set once the demo catalog was seeded. */
  seeded: `${TAG}:seeded`,
} as const;
