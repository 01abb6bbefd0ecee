import type { RedisClient } from "@retail/bus";
import { keys } from "./keys.js";
import { ORDER_FIELDS, orderFrom, PRODUCT_FIELDS, productFrom } from "./model.js";

/**
 * Check the stock invariants of every product and order in this Redis; resolves to one
 * line per violation (empty when everything holds). For tests, not for the hot path:
 * it reads every product and order. Holds while no order has outlived `ORDER_RETENTION_MS`
 * (an expired order's units stay in its products' counters).
 *
 * - per SKU: `available + reserved + shipped = received` (units ever stocked);
 * - per SKU: `reserved` = the units of orders whose reservation is held, and `shipped`
 *   = the units of orders whose reservation was shipped;
 * - `reserved >= 0`, `shipped >= 0`.
 */
export async function stockInvariantViolations(redis: RedisClient): Promise<string[]> {
  const violations: string[] = [];
  const held = new Map<string, number>();
  const shipped = new Map<string, number>();
  for (const orderId of await redis.zrange(keys.orders, "0", "-1")) {
    const order = orderFrom(await redis.hmget(keys.order(orderId), ...ORDER_FIELDS));
    if (!order) {
      violations.push(`order ${orderId} is indexed but missing`);
      continue;
    }
    const tally =
      order.reservation === "held" ? held : order.reservation === "shipped" ? shipped : undefined;
    for (const line of order.lines)
      tally?.set(line.sku, (tally.get(line.sku) ?? 0) + line.quantity);
  }
  const skus = await redis.zrange(keys.products, "0", "-1");
  for (const sku of skus) {
    const product = productFrom(await redis.hmget(keys.product(sku), ...PRODUCT_FIELDS));
    if (!product) {
      violations.push(`${sku}: indexed but missing`);
      continue;
    }
    const { available, reserved, shipped: out, received } = product;
    if (available + reserved + out !== received) {
      violations.push(
        `${sku}: available ${available} + reserved ${reserved} + shipped ${out} != received ${received}`,
      );
    }
    if (reserved !== (held.get(sku) ?? 0))
      violations.push(`${sku}: reserved ${reserved} but held by orders ${held.get(sku) ?? 0}`);
    if (out !== (shipped.get(sku) ?? 0))
      violations.push(`${sku}: shipped ${out} but shipped by orders ${shipped.get(sku) ?? 0}`);
    if (reserved < 0 || out < 0) violations.push(`${sku}: negative reserved or shipped`);
  }
  for (const sku of new Set([...held.keys(), ...shipped.keys()])) {
    if (!skus.includes(sku)) violations.push(`${sku}: ordered but not in the catalog`);
  }
  return violations;
}
