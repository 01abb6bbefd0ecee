import type { Redis } from "ioredis";
import { lowStockEvents } from "./events.js";
import { keys } from "./keys.js";
import { LuaScript, ScriptInput } from "./lua.js";
import { type InventoryBus, PRODUCT_FIELDS, type Product, productFrom } from "./model.js";

/** Create a product or replace its details; `available` is set, `received` follows it. */
const PUT_PRODUCT = new LuaScript<{ created: boolean; product: unknown[] }>(`
local key = KEYS[spec.product]
require_low(spec.sku)
local created = redis.call('EXISTS', key) == 0
if created then
  redis.call('HSET', key, 'sku', spec.sku, 'reserved', '0', 'shipped', '0',
    'received', spec.available, 'low', '0', 'createdAt', spec.now)
  redis.call('ZADD', KEYS[spec.index], 0, spec.sku)
else
  local before = tonumber(redis.call('HGET', key, 'available'))
  redis.call('HINCRBY', key, 'received', tonumber(spec.available) - before)
end
redis.call('HSET', key, 'name', spec.name, 'priceCents', spec.priceCents,
  'available', spec.available, 'updatedAt', spec.now)
if spec.productThreshold then
  redis.call('HSET', key, 'lowStockThreshold', spec.productThreshold)
else
  redis.call('HDEL', key, 'lowStockThreshold')
end
check_low(key, spec.sku)
return cjson.encode({ created = created, product = redis.call('HMGET', key, unpack(spec.fields)) })
`);

/** Add units to a product's available stock, with stock.restocked. */
const RESTOCK = new LuaScript<{ found: boolean; product?: unknown[] }>(`
local key = KEYS[spec.product]
require_low(spec.sku)
if redis.call('EXISTS', key) == 0 then return cjson.encode({ found = false }) end
local available = redis.call('HINCRBY', key, 'available', spec.quantity)
redis.call('HINCRBY', key, 'received', spec.quantity)
redis.call('HSET', key, 'updatedAt', spec.now)
append(spec.restocked, { available = math.max(available, 0) })
check_low(key, spec.sku)
return cjson.encode({ found = true, product = redis.call('HMGET', key, unpack(spec.fields)) })
`);

/** Create the demo products that do not exist yet, once per Redis (the marker is set NX). */
const SEED = new LuaScript<{ seeded: boolean; created: string[] }>(`
for _, product in ipairs(spec.products) do require_low(product.sku) end
if not redis.call('SET', KEYS[spec.marker], spec.now, 'NX') then
  return cjson.encode({ seeded = false })
end
local created = {}
for _, product in ipairs(spec.products) do
  local key = KEYS[product.k]
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'sku', product.sku, 'name', product.name,
      'priceCents', product.priceCents, 'available', product.available, 'reserved', '0',
      'shipped', '0', 'received', product.available, 'low', '0',
      'createdAt', spec.now, 'updatedAt', spec.now)
    redis.call('ZADD', KEYS[spec.index], 0, product.sku)
    check_low(key, product.sku)
    created[#created + 1] = product.sku
  end
end
if #created == 0 then return cjson.encode({ seeded = true }) end
return cjson.encode({ seeded = true, created = created })
`);

export interface ProductInput {
  name: string;
  priceCents: number;
  available: number;
  lowStockThreshold?: number | undefined;
}

/** Products and their stock counters in Redis; every change commits with its events. */
export class ProductStore {
  constructor(
    private readonly redis: Redis,
    private readonly bus: InventoryBus,
    private readonly defaultThreshold: number,
  ) {}

  async get(sku: string): Promise<Product | undefined> {
    return productFrom(await this.redis.hmget(keys.product(sku), ...PRODUCT_FIELDS));
  }

  /** Products ordered by SKU, from the one after `after`. */
  async list(options: { after?: string | undefined; limit: number }): Promise<Product[]> {
    const start = options.after === undefined ? "-" : `(${options.after}`;
    const skus = await this.redis.zrange(
      keys.products,
      start,
      "+",
      "BYLEX",
      "LIMIT",
      0,
      options.limit,
    );
    const rows = await Promise.all(
      skus.map((sku) => this.redis.hmget(keys.product(sku), ...PRODUCT_FIELDS)),
    );
    return rows.flatMap((row) => productFrom(row) ?? []);
  }

  /** Create or replace a product; `correlationId` goes on the stock.low it may publish. */
  async put(
    sku: string,
    product: ProductInput,
    correlationId: string,
  ): Promise<{ created: boolean; product: Product }> {
    const now = new Date().toISOString();
    const input = this.input(now);
    Object.assign(input.spec, {
      sku,
      product: input.key(keys.product(sku)),
      index: input.key(keys.products),
      name: product.name,
      priceCents: String(product.priceCents),
      available: String(product.available),
      productThreshold:
        product.lowStockThreshold === undefined ? false : String(product.lowStockThreshold),
      low: lowStockEvents(this.bus, input, [sku], now, { correlationId }),
    });
    const result = await PUT_PRODUCT.run(this.redis, input);
    return { created: result.created, product: this.parsed(result.product) };
  }

  /** Add `quantity` units; undefined when there is no such product. */
  async restock(
    sku: string,
    quantity: number,
    correlationId: string,
  ): Promise<Product | undefined> {
    const now = new Date().toISOString();
    const input = this.input(now);
    Object.assign(input.spec, {
      sku,
      quantity,
      product: input.key(keys.product(sku)),
      restocked: input.event(
        this.bus.prepare(
          "stock.restocked",
          { sku, quantity, available: 0, restockedAt: now },
          { correlationId },
        ),
      ),
      low: lowStockEvents(this.bus, input, [sku], now, { correlationId }),
    });
    const result = await RESTOCK.run(this.redis, input);
    return result.found && result.product ? this.parsed(result.product) : undefined;
  }

  /**
   * Create the given products unless this Redis was seeded before (by this or another
   * instance). Resolves to the SKUs created now (none when it was seeded before).
   */
  async seed(products: readonly (ProductInput & { sku: string })[]): Promise<string[]> {
    const now = new Date().toISOString();
    const input = this.input(now);
    Object.assign(input.spec, {
      marker: input.key(keys.seeded),
      index: input.key(keys.products),
      products: products.map((product) => ({
        k: input.key(keys.product(product.sku)),
        sku: product.sku,
        name: product.name,
        priceCents: String(product.priceCents),
        available: String(product.available),
      })),
      low: lowStockEvents(
        this.bus,
        input,
        products.map((product) => product.sku),
        now,
      ),
    });
    const result = await SEED.run(this.redis, input);
    return result.created ?? [];
  }

  private input(now: string): ScriptInput {
    const input = new ScriptInput();
    Object.assign(input.spec, { now, threshold: this.defaultThreshold, fields: PRODUCT_FIELDS });
    return input;
  }

  private parsed(values: unknown[]): Product {
    const product = productFrom(values);
    if (!product) throw new Error("the product vanished inside its own script");
    return product;
  }
}
