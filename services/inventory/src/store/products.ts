import { defineScript, type RedisClient, type Step } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { InvariantBrokenError } from "../errors.js";
import { keys } from "../keys.js";
import { type InventoryBus, PRODUCT_FIELDS, type Product, productFrom } from "../model.js";
import { lowStockEvents } from "./stock-low.js";

const PUT_PRODUCT = defineScript<{ created: boolean; product: unknown[] }>(
  new URL("./put-product.lua", import.meta.url),
);
const RESTOCK = defineScript<{ found: boolean; product?: unknown[] }>(
  new URL("./restock.lua", import.meta.url),
);
const SEED_PRODUCTS = defineScript<{ seeded: boolean; created?: string[] }>(
  new URL("./seed-products.lua", import.meta.url),
);

export interface ProductInput {
  name: string;
  priceCents: number;
  available: number;
  lowStockThreshold?: number | undefined;
}

/** Products and their stock counters in Redis; every change commits with its events. */
export class ProductStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly bus: InventoryBus,
    private readonly settings: {
      /** `LOW_STOCK_THRESHOLD`: for products without their own. */
      lowStockThreshold: number;
      now: () => number;
    },
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

  /**
   * Create or replace a product; `correlationId` goes on the events it may publish
   * (product.price-changed when an existing product's price changed, stock.low).
   */
  async put(
    sku: string,
    product: ProductInput,
    correlationId: string,
  ): Promise<{ created: boolean; product: Product }> {
    const now = this.isoNow();
    const result = await this.bus.commit(PUT_PRODUCT, (step) => ({
      ...this.common(step, now, [sku], { correlationId }),
      sku,
      product: step.key(keys.product(sku)),
      index: step.key(keys.products),
      name: product.name,
      priceCents: String(product.priceCents),
      available: String(product.available),
      productThreshold:
        product.lowStockThreshold === undefined ? false : String(product.lowStockThreshold),
      // the script knows the price it replaces, and emits this only when it differs
      priceChanged: step.event(
        "product.price-changed",
        { sku, previousPriceCents: 0, priceCents: product.priceCents, changedAt: now },
        { correlationId, fill: { previousPriceCents: "count" } },
      ),
    }));
    return { created: result.created, product: parsed(result.product) };
  }

  /** Add `quantity` units; undefined when there is no such product. */
  async restock(
    sku: string,
    quantity: number,
    correlationId: string,
  ): Promise<Product | undefined> {
    const now = this.isoNow();
    const result = await this.bus.commit(RESTOCK, (step) => ({
      ...this.common(step, now, [sku], { correlationId }),
      sku,
      quantity,
      product: step.key(keys.product(sku)),
      restocked: step.event(
        "stock.restocked",
        { sku, quantity, available: 0, restockedAt: now },
        { correlationId, fill: { available: "count" } },
      ),
    }));
    return result.found && result.product ? parsed(result.product) : undefined;
  }

  /**
   * Create the given products unless this Redis was seeded before (by this or another
   * instance). Resolves to the SKUs created now (none when it was seeded before).
   */
  async seed(products: readonly (ProductInput & { sku: string })[]): Promise<string[]> {
    const now = this.isoNow();
    const skus = products.map((product) => product.sku);
    const result = await this.bus.commit(SEED_PRODUCTS, (step) => ({
      ...this.common(step, now, skus),
      marker: step.key(keys.seeded),
      index: step.key(keys.products),
      products: products.map((product) => ({
        k: step.key(keys.product(product.sku)),
        sku: product.sku,
        name: product.name,
        priceCents: String(product.priceCents),
        available: String(product.available),
      })),
    }));
    return result.created ?? [];
  }

  /** What every product script reads: the time, the default threshold, stock.low per SKU. */
  private common(
    step: Step<RetailCatalog>,
    now: string,
    skus: readonly string[],
    options: { correlationId?: string } = {},
  ) {
    return {
      now,
      threshold: this.settings.lowStockThreshold,
      fields: PRODUCT_FIELDS,
      low: lowStockEvents(step, skus, now, options),
    };
  }

  private isoNow(): string {
    return new Date(this.settings.now()).toISOString();
  }
}

function parsed(values: unknown[]): Product {
  const product = productFrom(values);
  if (!product) throw new InvariantBrokenError("the product vanished inside its own script");
  return product;
}
