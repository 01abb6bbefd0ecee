import { describe, expect, it } from "vitest";
import {
  type Product,
  planOrder,
  randomAddress,
  SUPPORTED_PLACES,
  UNSUPPORTED_PLACES,
} from "./orders.js";
import { createRandom } from "./random.js";

/** Shipping's default SHIPPING_COUNTRIES (services/shipping/README.md). */
const SHIPPING_COUNTRIES = new Set(
  "AT,BE,BG,HR,CY,CZ,DK,EE,FI,FR,DE,GR,HU,IE,IT,LV,LT,LU,MT,NL,PL,PT,RO,SK,SI,ES,SE,IS,LI,NO,CH,GB,US,CA".split(
    ",",
  ),
);

const product = (sku: string, available: number): Product => ({
  sku,
  name: sku,
  priceCents: 1_000,
  available,
});

const PRODUCTS = [product("A", 10), product("B", 10), product("C", 0), product("D", 10)];
const NORMAL = { unsupportedCountryShare: 0, largeOrderShare: 0, cancelShare: 0 };

describe("randomAddress", () => {
  it("ships to countries shipping serves, or to ones it does not when asked", () => {
    for (const place of SUPPORTED_PLACES) expect(SHIPPING_COUNTRIES.has(place.country)).toBe(true);
    for (const place of UNSUPPORTED_PLACES)
      expect(SHIPPING_COUNTRIES.has(place.country)).toBe(false);
    expect(UNSUPPORTED_PLACES.map((place) => place.country)).toEqual(
      expect.arrayContaining(["BR", "AQ"]),
    );

    const random = createRandom("addresses");
    for (let index = 0; index < 300; index++) {
      const unsupported = index % 2 === 0;
      const address = randomAddress(random, unsupported);
      expect(SHIPPING_COUNTRIES.has(address.country)).toBe(!unsupported);
      expect(address.country).toMatch(/^[A-Z]{2}$/);
      expect(address.name.length).toBeGreaterThan(0);
      expect(address.name.length).toBeLessThanOrEqual(200);
      expect(address.line1).toMatch(/\d/);
      expect(address.line1.length).toBeLessThanOrEqual(200);
      expect(address.city.length).toBeLessThanOrEqual(100);
      expect(address.postalCode.length).toBeGreaterThan(0);
      expect(address.postalCode.length).toBeLessThanOrEqual(20);
    }
  });
});

describe("planOrder", () => {
  it("orders 1-3 distinct SKUs in stock, 1-3 units each", () => {
    const random = createRandom("orders");
    const lineCounts = new Set<number>();
    for (let index = 0; index < 300; index++) {
      const plan = planOrder(random, PRODUCTS, NORMAL);
      const skus = plan.body.lines.map((line) => line.sku);
      lineCounts.add(skus.length);
      expect(new Set(skus).size).toBe(skus.length);
      expect(skus).not.toContain("C"); // out of stock, and enough others are in stock
      for (const line of plan.body.lines) {
        expect(line.quantity).toBeGreaterThanOrEqual(1);
        expect(line.quantity).toBeLessThanOrEqual(3);
      }
      expect(plan.body.customerId).toMatch(/^customer-\d{4}$/);
      expect(SHIPPING_COUNTRIES.has(plan.body.shippingAddress.country)).toBe(true);
      expect(plan).toMatchObject({
        unsupportedCountry: false,
        large: false,
        cancelAfterMs: undefined,
      });
    }
    expect([...lineCounts].sort()).toEqual([1, 2, 3]);
  });

  it("makes large, unsupported-country and to-be-cancelled orders at their shares", () => {
    const random = createRandom("shares");
    const plans = Array.from({ length: 400 }, () =>
      planOrder(random, PRODUCTS, {
        unsupportedCountryShare: 0.5,
        largeOrderShare: 0.5,
        cancelShare: 0.5,
      }),
    );
    for (const kind of ["unsupportedCountry", "large"] as const) {
      const count = plans.filter((plan) => plan[kind]).length;
      expect(count).toBeGreaterThan(100);
      expect(count).toBeLessThan(300);
    }
    for (const plan of plans) {
      const big = plan.body.lines.filter((line) => line.quantity >= 20);
      expect(big.length).toBe(plan.large ? 1 : 0);
      for (const line of big) expect(line.quantity).toBeLessThanOrEqual(40);
      expect(SHIPPING_COUNTRIES.has(plan.body.shippingAddress.country)).toBe(
        !plan.unsupportedCountry,
      );
      if (plan.cancelAfterMs !== undefined) {
        expect(plan.cancelAfterMs).toBeGreaterThanOrEqual(200);
        expect(plan.cancelAfterMs).toBeLessThanOrEqual(1_200);
      }
    }
    expect(plans.some((plan) => plan.cancelAfterMs !== undefined)).toBe(true);
    expect(plans.some((plan) => plan.cancelAfterMs === undefined)).toBe(true);
  });

  it("uses products out of stock when too few are in stock, and refuses an empty list", () => {
    const random = createRandom(5);
    const soldOut = [product("X", 0), product("Y", 0)];
    for (let index = 0; index < 20; index++) {
      const skus = planOrder(random, soldOut, NORMAL).body.lines.map((line) => line.sku);
      for (const sku of skus) expect(["X", "Y"]).toContain(sku);
    }
    expect(() => planOrder(random, [], NORMAL)).toThrow(RangeError);
  });

  it("makes the same orders from the same seed", () => {
    const plans = (seed: string) => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () =>
        planOrder(random, PRODUCTS, {
          unsupportedCountryShare: 0.1,
          largeOrderShare: 0.1,
          cancelShare: 0.1,
        }),
      );
    };
    expect(plans("same")).toEqual(plans("same"));
    expect(plans("same")).not.toEqual(plans("other"));
  });
});
