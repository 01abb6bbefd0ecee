import type { ProductInput } from "./store/products.js";

/**
 * The demo catalog seeded on first start (`SEED_DEMO_CATALOG`). The smartwatch starts
 * at or below the default low-stock threshold, so a fresh demo shows a stock.low alert.
 */
export const DEMO_CATALOG: readonly (ProductInput & { sku: string })[] = [
  {
    sku: "TSHIRT-CLASSIC-WHT-M",
    name: "Classic cotton T-shirt, white, M",
    priceCents: 1_999,
    available: 120,
  },
  {
    sku: "JEANS-SLIM-IND-32",
    name: "Slim-fit jeans, indigo, W32",
    priceCents: 5_999,
    available: 60,
  },
  {
    sku: "SNEAKER-RUN-BLK-42",
    name: "Running sneakers, black, EU 42",
    priceCents: 8_999,
    available: 40,
  },
  { sku: "HOODIE-ZIP-GRY-L", name: "Zip hoodie, grey, L", priceCents: 4_499, available: 75 },
  { sku: "MUG-CERAMIC-350", name: "Ceramic mug, 350 ml", priceCents: 899, available: 200 },
  { sku: "BACKPACK-CITY-20L", name: "City backpack, 20 l", priceCents: 6_999, available: 25 },
  {
    sku: "HEADPHONES-BT-ANC",
    name: "Bluetooth headphones, noise cancelling",
    priceCents: 14_999,
    available: 12,
  },
  { sku: "WATCH-SMART-S2", name: "Smartwatch S2", priceCents: 24_999, available: 4 },
];
