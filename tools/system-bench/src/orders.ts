/**
 * The order every load generator here sends, and the product it reserves. One SKU,
 * one unit, a destination shipping serves: every order takes the happy path.
 */
import { z } from "zod";

export const BENCH_SKU = "BENCH-SKU-1";

/** Units seeded: far more than any run places, so stock never runs out. */
export const BENCH_STOCK = 1_000_000_000;

export const orderBody = {
  customerId: "bench-customer",
  lines: [{ sku: BENCH_SKU, quantity: 1 }],
  shippingAddress: {
    name: "Erika Musterfrau",
    line1: "Hauptstr. 1",
    city: "Berlin",
    postalCode: "10115",
    country: "DE",
  },
};

export const orderBodyJson = JSON.stringify(orderBody);

/** The naive route's body schema: the same shape and limits the inventory service checks. */
export const naiveOrderSchema = z.object({
  customerId: z.string().min(1).max(128),
  lines: z
    .array(
      z.object({
        sku: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
        quantity: z.int().min(1).max(1_000_000),
      }),
    )
    .min(1)
    .max(100),
  shippingAddress: z.object({
    name: z.string().min(1).max(200),
    line1: z.string().min(1).max(200),
    city: z.string().min(1).max(100),
    postalCode: z.string().min(1).max(20),
    country: z.string().length(2),
  }),
});

/**
 * Create (or reset) the benchmark product in the inventory service, with `BENCH_STOCK`
 * units; `authorization` may write the catalog (see `benchIdentity`).
 */
export async function seedProduct(inventoryUrl: string, authorization: string): Promise<void> {
  const response = await fetch(`${inventoryUrl}/products/${BENCH_SKU}`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify({ name: "Benchmark mug", priceCents: 1_200, available: BENCH_STOCK }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`seeding ${BENCH_SKU} failed: ${response.status} ${text}`);
}
