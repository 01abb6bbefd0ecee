import { randomUUID } from "node:crypto";
import { z } from "zod";
import { type ClientIdentity, errorCode, type Fleet, userAgent } from "./fleet.js";
import { NetworkError, StoppedError } from "./http.js";
import type { Random } from "./random.js";
import type { Runtime } from "./runtime.js";
import { BACK_OFFICE, BACK_OFFICE_SCOPES, CUSTOMER_SCOPES } from "./tokens.js";

/** A product as the load generator reads it from `GET /products` (extra fields ignored). */
export const productSchema = z.object({
  sku: z.string(),
  name: z.string(),
  priceCents: z.number(),
  available: z.number(),
  lowStockThreshold: z.number().optional(),
});
export type Product = z.output<typeof productSchema>;

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}

/** The body of `POST /orders`. */
export interface OrderBody {
  customerId: string;
  lines: OrderLine[];
  shippingAddress: ShippingAddress;
}

/** An order the simulator is about to send, with what it was meant to show. */
export interface PlannedOrder {
  body: OrderBody;
  /** Shipped to a country shipping does not serve: shipment failure and compensation. */
  unsupportedCountry: boolean;
  /** One line of 20-40 units: likely out of stock. */
  large: boolean;
  /** If set, the order is cancelled this long after it was accepted. */
  cancelAfterMs: number | undefined;
}

interface Place {
  country: string;
  city: string;
  postalCodes: readonly string[];
  streets: readonly string[];
  /** `12 Baker Street` or `Torstraße 12`. */
  numberFirst: boolean;
}

/** Destinations shipping serves with its default `SHIPPING_COUNTRIES`. */
export const SUPPORTED_PLACES: readonly Place[] = [
  {
    country: "GB",
    city: "London",
    postalCodes: ["SW1Y 4JH", "EC1A 1BB", "N1 9GU", "SE1 7PB"],
    streets: ["Baker Street", "Gower Street", "Upper Street", "St James's Square"],
    numberFirst: true,
  },
  {
    country: "DE",
    city: "Berlin",
    postalCodes: ["10115", "10178", "10245", "10437"],
    streets: ["Torstraße", "Kastanienallee", "Sonnenallee", "Karl-Marx-Allee"],
    numberFirst: false,
  },
  {
    country: "FR",
    city: "Paris",
    postalCodes: ["75001", "75011", "75018"],
    streets: ["rue de Rivoli", "boulevard Voltaire", "rue Oberkampf"],
    numberFirst: true,
  },
  {
    country: "NL",
    city: "Amsterdam",
    postalCodes: ["1012 JS", "1016 DV", "1072 AB"],
    streets: ["Prinsengracht", "Kalverstraat", "Ferdinand Bolstraat"],
    numberFirst: false,
  },
  {
    country: "ES",
    city: "Madrid",
    postalCodes: ["28013", "28004", "28012"],
    streets: ["Calle Mayor", "Calle de Fuencarral", "Calle de Atocha"],
    numberFirst: false,
  },
  {
    country: "IT",
    city: "Milano",
    postalCodes: ["20121", "20123", "20144"],
    streets: ["Via Torino", "Corso Buenos Aires", "Via Tortona"],
    numberFirst: false,
  },
  {
    country: "SE",
    city: "Stockholm",
    postalCodes: ["111 29", "113 46", "118 27"],
    streets: ["Drottninggatan", "Götgatan", "Sveavägen"],
    numberFirst: false,
  },
  {
    country: "PL",
    city: "Warszawa",
    postalCodes: ["00-001", "00-950", "02-591"],
    streets: ["ul. Marszałkowska", "ul. Nowy Świat", "ul. Puławska"],
    numberFirst: false,
  },
  {
    country: "AT",
    city: "Wien",
    postalCodes: ["1010", "1060", "1070"],
    streets: ["Mariahilfer Straße", "Neubaugasse", "Kärntner Straße"],
    numberFirst: false,
  },
  {
    country: "IE",
    city: "Dublin",
    postalCodes: ["D02 X285", "D08 VF8H", "D04 C932"],
    streets: ["Grafton Street", "Camden Street", "Baggot Street"],
    numberFirst: true,
  },
  {
    country: "US",
    city: "New York",
    postalCodes: ["10001", "10013", "11211"],
    streets: ["Broadway", "Bedford Avenue", "West 23rd Street"],
    numberFirst: true,
  },
  {
    country: "CA",
    city: "Toronto",
    postalCodes: ["M5V 2T6", "M4Y 1R5", "M6J 1J5"],
    streets: ["Queen Street West", "King Street East", "Ossington Avenue"],
    numberFirst: true,
  },
];

/** Destinations outside shipping's default `SHIPPING_COUNTRIES`: their shipments fail. */
export const UNSUPPORTED_PLACES: readonly Place[] = [
  {
    country: "BR",
    city: "São Paulo",
    postalCodes: ["01310-100", "04538-133", "05422-030"],
    streets: ["Avenida Paulista", "Rua Augusta", "Rua Oscar Freire"],
    numberFirst: false,
  },
  {
    country: "AQ",
    city: "McMurdo Station",
    postalCodes: ["96599"],
    streets: ["Building", "Dorm"],
    numberFirst: false,
  },
  {
    country: "JP",
    city: "Tokyo",
    postalCodes: ["150-0001", "106-0032", "160-0022"],
    streets: ["Jingumae", "Roppongi", "Shinjuku"],
    numberFirst: false,
  },
  {
    country: "AU",
    city: "Sydney",
    postalCodes: ["2000", "2010", "2026"],
    streets: ["George Street", "Oxford Street", "Campbell Parade"],
    numberFirst: true,
  },
];

const FIRST_NAMES = [
  "Ada",
  "Grace",
  "Alan",
  "Margaret",
  "Linus",
  "Hedy",
  "Katherine",
  "Dennis",
  "Barbara",
  "Radia",
  "Sophie",
  "Lukas",
  "Mia",
  "Noah",
  "Emma",
  "Mateo",
  "Chloé",
  "Lars",
  "Aoife",
  "Zofia",
];

const LAST_NAMES = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Hamilton",
  "Torvalds",
  "Lamarr",
  "Johnson",
  "Ritchie",
  "Liskov",
  "Perlman",
  "Müller",
  "Schmidt",
  "Rossi",
  "García",
  "Nowak",
  "Dubois",
  "Jansen",
  "Andersson",
  "O'Brien",
  "Kowalski",
];

/** A plausible address; in a country shipping does not serve when `unsupported`. */
export function randomAddress(random: Random, unsupported: boolean): ShippingAddress {
  const place = random.pick(unsupported ? UNSUPPORTED_PLACES : SUPPORTED_PLACES);
  const street = random.pick(place.streets);
  const number = random.int(1, 240);
  return {
    name: `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`,
    line1: place.numberFirst ? `${number} ${street}` : `${street} ${number}`,
    city: place.city,
    postalCode: random.pick(place.postalCodes),
    country: place.country,
  };
}

export interface PlanOptions {
  unsupportedCountryShare: number;
  largeOrderShare: number;
  cancelShare: number;
}

/**
 * Plan one order from the known products: 1-3 lines of distinct SKUs (in stock ones
 * first, as a shop shows them), 1-3 units each; a large order has one line of 20-40.
 *
 * @throws RangeError when there are no products
 */
export function planOrder(
  random: Random,
  products: readonly Product[],
  options: PlanOptions,
): PlannedOrder {
  if (products.length === 0) throw new RangeError("no products to order");
  const lineCount = random.int(1, Math.min(3, products.length));
  const inStock = products.filter((product) => product.available > 0);
  const pool = inStock.length >= lineCount ? inStock : products;
  const large = random.chance(options.largeOrderShare);
  const largeLine = random.int(0, lineCount - 1);
  const lines = random.sample(pool, lineCount).map((product, index) => ({
    sku: product.sku,
    quantity: large && index === largeLine ? random.int(20, 40) : random.int(1, 3),
  }));
  const unsupportedCountry = random.chance(options.unsupportedCountryShare);
  const body: OrderBody = {
    customerId: `customer-${random.int(1000, 9999)}`,
    lines,
    shippingAddress: randomAddress(random, unsupportedCountry),
  };
  const cancelAfterMs = random.chance(options.cancelShare) ? random.int(200, 1_200) : undefined;
  return { body, unsupportedCountry, large, cancelAfterMs };
}

/** Most orders in flight at once; past it a tick places nothing (the services are slow). */
const MAX_ORDERS_IN_FLIGHT = 100;
/** Pages of `GET /products` read per refresh, at 500 products each. */
const MAX_PRODUCT_PAGES = 20;

const outOfStockDetails = z.object({
  orderId: z.string().optional(),
  lines: z.array(z.object({ sku: z.string(), requested: z.number(), available: z.number() })),
});

/**
 * The shoppers: orders at `ORDERS_PER_SECOND` (Poisson arrivals) from the clients that
 * are not quiet, each with an `Idempotency-Key`; some cancelled shortly after; the
 * product list read every `PRODUCTS_REFRESH_MS`, and low SKUs restocked.
 */
export class OrderSimulator {
  readonly #runtime: Runtime;
  readonly #fleet: Fleet;
  readonly #random: Random;
  #products: Product[] = [];
  readonly #restocking = new Set<string>();
  #ordersInFlight = 0;

  constructor(runtime: Runtime, fleet: Fleet) {
    this.#runtime = runtime;
    this.#fleet = fleet;
    this.#random = runtime.random.fork("orders");
  }

  /** The products as last read. */
  get products(): readonly Product[] {
    return this.#products;
  }

  /** Read the products (and restock), then start the order and refresh loops. */
  async start(): Promise<void> {
    const { config, scheduler } = this.#runtime;
    if (config.ORDERS_PER_SECOND === 0) return;
    await this.refreshProducts();
    const refresh = () => {
      scheduler.after(config.PRODUCTS_REFRESH_MS, () => {
        refresh();
        scheduler.run("products", () => this.refreshProducts());
      });
    };
    refresh();
    this.#scheduleNextOrder();
  }

  #scheduleNextOrder(): void {
    const rate = this.#runtime.config.ORDERS_PER_SECOND;
    const meanMs = 1_000 / rate;
    const delayMs = Math.min(this.#random.exponential(1) * meanMs, meanMs * 10);
    this.#runtime.scheduler.after(delayMs, () => {
      this.#scheduleNextOrder();
      this.#placeNext();
    });
  }

  #placeNext(): void {
    const { config, logger, scheduler } = this.#runtime;
    if (this.#products.length === 0) {
      logger.debug("no products known yet: no order");
      return;
    }
    if (this.#ordersInFlight >= MAX_ORDERS_IN_FLIGHT) {
      logger.debug({ inFlight: this.#ordersInFlight }, "too many orders in flight: no order");
      return;
    }
    const clients = this.#fleet.activeClients();
    if (clients.length === 0) return;
    const client = this.#random.pick(clients);
    const plan = planOrder(this.#random, this.#products, {
      unsupportedCountryShare: config.UNSUPPORTED_COUNTRY_SHARE,
      largeOrderShare: config.LARGE_ORDER_SHARE,
      cancelShare: config.CANCEL_SHARE,
    });
    this.#ordersInFlight++;
    scheduler.run("order", async () => {
      try {
        await this.placeOrder(client, plan);
      } finally {
        this.#ordersInFlight--;
      }
    });
  }

  /** Send one planned order from `client` and count and log the outcome. */
  async placeOrder(client: ClientIdentity, plan: PlannedOrder): Promise<void> {
    const { config, http, logger, stats, scheduler } = this.#runtime;
    const { clientId } = client;
    const idempotencyKey = `${clientId}-${randomUUID()}`;
    if (plan.unsupportedCountry) stats.ordersToUnsupportedCountry++;
    if (plan.large) stats.largeOrders++;
    const summary = {
      clientId,
      customerId: plan.body.customerId,
      lines: plan.body.lines.length,
      units: plan.body.lines.reduce((sum, line) => sum + line.quantity, 0),
      country: plan.body.shippingAddress.country,
    };
    let response: Awaited<ReturnType<typeof http.request>>;
    try {
      response = await http.request(`${config.INVENTORY_URL}/orders`, {
        method: "POST",
        body: plan.body,
        headers: {
          "idempotency-key": idempotencyKey,
          "user-agent": userAgent(client),
          // the shopper's own token: inventory takes the order's customer from it
          authorization: await this.#runtime.authorization(plan.body.customerId, CUSTOMER_SCOPES),
        },
      });
    } catch (error) {
      if (error instanceof StoppedError) throw error;
      stats.ordersFailed++;
      const reason = error instanceof NetworkError ? error.code : String(error);
      logger.warn({ ...summary, idempotencyKey, error: reason }, "order failed");
      return;
    }
    const code = errorCode(response.body);
    if (response.status === 201) {
      stats.ordersPlaced++;
      const placed = response.body as { orderId?: unknown; totalCents?: unknown };
      const orderId = typeof placed.orderId === "string" ? placed.orderId : undefined;
      const replayed = response.headers.get("idempotent-replayed") === "true";
      logger.info(
        { ...summary, orderId, totalCents: placed.totalCents, ...(replayed ? { replayed } : {}) },
        "order placed",
      );
      if (orderId !== undefined && plan.cancelAfterMs !== undefined) {
        scheduler.after(plan.cancelAfterMs, () => {
          scheduler.run("cancel", () => this.cancelOrder(client, orderId, plan.body.customerId));
        });
      }
    } else if (response.status === 409 && code === "out_of_stock") {
      stats.ordersRejected++;
      const details = outOfStockDetails.safeParse(
        (response.body as { error?: { details?: unknown } }).error?.details,
      );
      logger.info(
        {
          ...summary,
          orderId: details.data?.orderId,
          short: details.data?.lines.map(
            (line) => `${line.sku} ${line.requested}>${line.available}`,
          ),
        },
        "order rejected: out of stock",
      );
    } else {
      stats.ordersFailed++;
      logger.warn({ ...summary, status: response.status, error: code }, "order failed");
    }
  }

  /**
   * Ask to cancel an order the client just placed ("changed my mind"), with the token of
   * the customer it belongs to (nobody else may cancel it). Inventory answers
   * 202: shipping decides against its dispatch, and the order ends cancelled or, if the
   * parcel had left, goes on (order.cancel-refused); the timeline shows which.
   */
  async cancelOrder(client: ClientIdentity, orderId: string, customerId: string): Promise<void> {
    const { config, http, logger, stats } = this.#runtime;
    const { clientId } = client;
    try {
      const response = await http.request(
        `${config.INVENTORY_URL}/orders/${encodeURIComponent(orderId)}/cancel`,
        {
          method: "POST",
          body: { reason: "customer changed their mind" },
          headers: {
            "user-agent": userAgent(client),
            authorization: await this.#runtime.authorization(customerId, CUSTOMER_SCOPES),
          },
        },
      );
      const code = errorCode(response.body);
      if (response.status === 202 || response.status === 200) {
        stats.cancelsRequested++;
        logger.info({ clientId, orderId, status: response.status }, "cancel requested");
      } else {
        stats.cancelsRefused++;
        const log = response.status === 409 ? logger.info.bind(logger) : logger.warn.bind(logger);
        log({ clientId, orderId, status: response.status, error: code }, "cancel refused");
      }
    } catch (error) {
      if (error instanceof StoppedError) throw error;
      stats.cancelsRefused++;
      logger.warn({ clientId, orderId, error: String(error) }, "cancel failed");
    }
  }

  /**
   * Read every product (paging by SKU), keep the list for the next orders, and
   * restock each SKU at or below its threshold. On failure the old list is kept.
   */
  async refreshProducts(): Promise<void> {
    const { config, http, logger, stats, scheduler } = this.#runtime;
    const products: Product[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PRODUCT_PAGES; page++) {
      const query = new URLSearchParams({ limit: "500", ...(after ? { after } : {}) });
      let body: unknown;
      try {
        const response = await http.request(`${config.INVENTORY_URL}/products?${query}`, {
          headers: { authorization: await this.#backOffice() },
        });
        if (!response.ok) {
          logger.warn(
            { status: response.status, error: errorCode(response.body) },
            "products refresh refused",
          );
          return;
        }
        body = response.body;
      } catch (error) {
        if (error instanceof StoppedError) throw error;
        logger.warn({ error: String(error) }, "products refresh failed");
        return;
      }
      const parsed = z.array(productSchema).safeParse(body);
      if (!parsed.success) {
        logger.warn({ problem: parsed.error.message }, "products refresh: unexpected body");
        return;
      }
      products.push(...parsed.data);
      const last = parsed.data.at(-1);
      if (last === undefined || parsed.data.length < 500) break;
      after = last.sku;
    }
    this.#products = products;
    stats.productRefreshes++;
    const low = products.filter(
      (product) => product.available <= (product.lowStockThreshold ?? config.RESTOCK_BELOW),
    );
    logger.info(
      {
        products: products.length,
        low: low.map((product) => `${product.sku}=${product.available}`),
      },
      "products refreshed",
    );
    if (products.length === 0) logger.warn("inventory has no products: no orders until it has");
    for (const product of low) {
      if (this.#restocking.has(product.sku)) continue;
      this.#restocking.add(product.sku);
      const quantity = this.#random.int(40, 120);
      scheduler.run("restock", async () => {
        try {
          await this.restock(product.sku, quantity);
        } finally {
          this.#restocking.delete(product.sku);
        }
      });
    }
  }

  /** The back office's token: it reads the catalog and restocks. */
  #backOffice(): Promise<string> {
    return this.#runtime.authorization(BACK_OFFICE, BACK_OFFICE_SCOPES);
  }

  /** Restock one SKU; retried only when the request cannot have arrived (not idempotent). */
  async restock(sku: string, quantity: number): Promise<void> {
    const { config, http, logger, stats } = this.#runtime;
    try {
      const response = await http.request(
        `${config.INVENTORY_URL}/products/${encodeURIComponent(sku)}/restock`,
        {
          method: "POST",
          body: { quantity },
          headers: { authorization: await this.#backOffice() },
          retry: "unsent",
        },
      );
      if (response.ok) {
        stats.restocks++;
        const available = (response.body as { available?: unknown } | null)?.available;
        logger.info({ sku, quantity, available }, "restocked");
      } else {
        stats.restocksFailed++;
        logger.warn(
          { sku, status: response.status, error: errorCode(response.body) },
          "restock refused",
        );
      }
    } catch (error) {
      if (error instanceof StoppedError) throw error;
      stats.restocksFailed++;
      logger.warn({ sku, error: String(error) }, "restock failed");
    }
  }
}
