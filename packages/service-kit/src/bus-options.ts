import type { BaseConfig } from "./config.js";

/** The part of a bus's options that an operator sets through the environment. */
export interface BusOptionsFromConfig {
  retention?: { maxLength: number };
  idempotencyTtlMs?: number;
}

/**
 * `BUS_STREAM_MAX_LENGTH` and `BUS_IDEMPOTENCY_TTL_MS` as `createBus` options, for
 * every service the same way: `createBus({ …, ...busOptionsFromConfig(config) })`.
 * Unset variables leave the bus's defaults.
 */
export function busOptionsFromConfig(config: BaseConfig): BusOptionsFromConfig {
  return {
    ...(config.BUS_STREAM_MAX_LENGTH === undefined
      ? {}
      : { retention: { maxLength: config.BUS_STREAM_MAX_LENGTH } }),
    ...(config.BUS_IDEMPOTENCY_TTL_MS === undefined
      ? {}
      : { idempotencyTtlMs: config.BUS_IDEMPOTENCY_TTL_MS }),
  };
}
