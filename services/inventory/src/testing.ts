import { LuaScript, type RedisClient } from "@retail/bus";
import { keys } from "./keys.js";
import { ORDER_FIELDS, orderFrom, PRODUCT_FIELDS, productFrom } from "./model.js";

/** An indexed id and its hash's fields, as the snapshot script answers them. */
type Row = [string, unknown[]];

/**
 * Every order and product, read in one script: Redis runs it atomically, so the check
 * sees one instant even while orders are placed and moved. Read key by key, an order
 * placed or dispatched between two reads looks like a violation that is not there.
 * Every key is inventory's (one hash slot), so this runs on a Cluster too.
 */
const SNAPSHOT = LuaScript.load(new URL("./stock-snapshot-2.lua", import.meta.url));

/**
 * Check the stock invariants of every product and order in this Redis; resolves to one
 * line per violation (empty when everything holds). For tests, not for the hot path:
 * it reads every product and order, in one script (consistent under load too). Holds
 * while no order has outlived `ORDER_RETENTION_MS` (an expired order's units stay in
 * its products' counters).
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
  const [orders, products] = (await SNAPSHOT.run(
    redis,
    [keys.orders, keys.products],
    [
      keys.order(""),
      keys.product(""),
      JSON.stringify(ORDER_FIELDS),
      JSON.stringify(PRODUCT_FIELDS),
    ],
  )) as [Row[], Row[]];
  for (const [orderId, fields] of orders) {
    const order = orderFrom(fields);
    if (!order) {
      violations.push(`order ${orderId} is indexed but missing`);
      continue;
    }
    const tally =
      order.reservation === "held" ? held : order.reservation === "shipped" ? shipped : undefined;
    for (const line of order.lines)
      tally?.set(line.sku, (tally.get(line.sku) ?? 0) + line.quantity);
  }
  const skus = products.map(([sku]) => sku);
  for (const [sku, fields] of products) {
    const product = productFrom(fields);
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
