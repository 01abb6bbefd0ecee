import type { PublishOptions } from "@retail/bus";
import type { LuaEvent, ScriptInput } from "./lua.js";
import type { InventoryBus } from "./model.js";

/**
 * One prepared stock.low per SKU, for the scripts' `check_low`: the script fills in
 * `available` and `threshold`, which only it knows; the zeros are placeholders.
 */
export function lowStockEvents(
  bus: InventoryBus,
  input: ScriptInput,
  skus: Iterable<string>,
  detectedAt: string,
  options: PublishOptions = {},
): Record<string, LuaEvent> {
  const events: Record<string, LuaEvent> = {};
  for (const sku of skus) {
    events[sku] = input.event(
      bus.prepare("stock.low", { sku, available: 0, threshold: 0, detectedAt }, options),
    );
  }
  return events;
}
