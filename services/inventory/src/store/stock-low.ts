import type { PublishOptions, Step, StepEvent } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";

/**
 * One stock.low per SKU, for `check_low` in `stock-low.lua`: the script fills in
 * `available` and `threshold`, which only it knows (declared count fills; the zeros are
 * what a script that leaves them alone would append, which none does).
 */
export function lowStockEvents(
  step: Step<RetailCatalog>,
  skus: Iterable<string>,
  detectedAt: string,
  options: PublishOptions = {},
): Record<string, StepEvent> {
  const events: Record<string, StepEvent> = {};
  for (const sku of skus) {
    events[sku] = step.event(
      "stock.low",
      { sku, available: 0, threshold: 0, detectedAt },
      { ...options, fill: { available: "count", threshold: "count" } },
    );
  }
  return events;
}
