import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { PriceChangedError } from "./errors.js";
import { lowStockEvents } from "./events.js";
import { keys } from "./keys.js";
import { LuaScript, ScriptInput } from "./lua.js";
import type { InventoryBus, Order, OrderLine, ShippingAddress, ShortLine } from "./model.js";
import type { OrderStore } from "./orders-store.js";

type PlaceReply =
  | { outcome: "placed" }
  | { outcome: "rejected"; lines: ShortLine[] }
  | { outcome: "replay"; orderId: string }
  | { outcome: "reused" }
  | { outcome: "unknown"; sku: string }
  | { outcome: "stale"; sku: string };

/**
 * Place an order in one step: the Idempotency-Key check, a check of every line, then
 * either every reservation + the order + order.placed (+ stock.low on crossings), or
 * the rejected order + order.rejected; the key is remembered with either outcome.
 * A price that changed since it was read ("stale") writes nothing: the caller retries.
 * With a retention, a rejected order expires after it, and every placement drops the
 * index entries created before it (each entry is removed once, so the cost is amortised).
 */
const PLACE_ORDER = new LuaScript<PlaceReply>(`
local idem = spec.idem
if idem then
  local record = redis.call('HMGET', KEYS[idem.k], 'hash', 'orderId')
  if record[1] then
    if record[1] == idem.hash then return cjson.encode({ outcome = 'replay', orderId = record[2] }) end
    return cjson.encode({ outcome = 'reused' })
  end
end
local short = {}
for _, line in ipairs(spec.lines) do
  require_low(line.sku)
  local product = redis.call('HMGET', KEYS[line.k], 'priceCents', 'available')
  if not product[1] then return cjson.encode({ outcome = 'unknown', sku = line.sku }) end
  if product[1] ~= line.price then return cjson.encode({ outcome = 'stale', sku = line.sku }) end
  local available = tonumber(product[2])
  if available < line.q then
    short[#short + 1] = { sku = line.sku, requested = line.q, available = math.max(available, 0) }
  end
end
local order = KEYS[spec.order]
local function remember()
  if idem then
    redis.call('HSET', KEYS[idem.k], 'hash', idem.hash, 'orderId', spec.orderId)
    redis.call('EXPIRE', KEYS[idem.k], idem.ttl)
  end
end
redis.call('HSET', order, unpack(spec.fields))
redis.call('ZADD', KEYS[spec.index], spec.nowMs, spec.orderId)
if spec.retentionMs > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[spec.index], '-inf', '(' .. spec.indexedSince)
end
if #short > 0 then
  redis.call('HSET', order, 'status', 'rejected', 'stock', 'none', 'reason', 'out_of_stock',
    'rejectedLines', cjson.encode(short))
  if spec.retentionMs > 0 then redis.call('PEXPIRE', order, spec.retentionMs) end
  append(spec.rejected, { lines = short })
  remember()
  return cjson.encode({ outcome = 'rejected', lines = short })
end
for _, line in ipairs(spec.lines) do
  redis.call('HINCRBY', KEYS[line.k], 'available', -line.q)
  redis.call('HINCRBY', KEYS[line.k], 'reserved', line.q)
end
redis.call('HSET', order, 'status', 'reserved', 'stock', 'held')
append(spec.placed)
for _, line in ipairs(spec.lines) do check_low(KEYS[line.k], line.sku) end
remember()
return cjson.encode({ outcome = 'placed' })
`);

export interface NewOrder {
  customerId: string;
  lines: { sku: string; quantity: number }[];
  shippingAddress: ShippingAddress;
}

export type PlaceOutcome =
  /** Accepted now, or earlier with the same Idempotency-Key and body (`replayed`). */
  | { kind: "placed"; order: Order; replayed: boolean }
  /** Refused for lack of stock (recorded as a rejected order), now or earlier. */
  | { kind: "rejected"; order: Order; replayed: boolean }
  | { kind: "unknown_sku"; skus: string[] }
  | { kind: "key_reused" };

/** How often placing an order re-reads prices that changed under it before giving up. */
const PRICE_ATTEMPTS = 5;

/** `POST /orders`: check, reserve and record an order in one atomic step with its event. */
export class OrderPlacement {
  constructor(
    private readonly redis: Redis,
    private readonly bus: InventoryBus,
    private readonly orders: OrderStore,
    private readonly settings: {
      lowStockThreshold: number;
      idempotencyTtlSeconds: number;
      /** How long an order is kept once terminal, in ms; `0` keeps it forever (`ORDER_RETENTION_MS`). */
      orderRetentionMs: number;
    },
  ) {}

  async place(order: NewOrder, idempotencyKey?: string): Promise<PlaceOutcome> {
    const hash = bodyHash(order);
    if (idempotencyKey !== undefined) {
      const [knownHash, knownOrder] = await this.redis.hmget(
        keys.idempotency(idempotencyKey),
        "hash",
        "orderId",
      );
      if (knownHash) return knownHash === hash ? this.replay(knownOrder) : { kind: "key_reused" };
    }
    for (let attempt = 1; attempt <= PRICE_ATTEMPTS; attempt++) {
      const prices = await Promise.all(
        order.lines.map((line) => this.redis.hget(keys.product(line.sku), "priceCents")),
      );
      const unknown = order.lines.filter((_, index) => prices[index] === null);
      if (unknown.length > 0) return { kind: "unknown_sku", skus: unknown.map((line) => line.sku) };
      const lines = order.lines.map((line, index) => ({
        ...line,
        unitPriceCents: Number(prices[index]),
      }));
      const draft = this.draft(order, lines);
      const reply = await PLACE_ORDER.run(this.redis, this.placeInput(draft, hash, idempotencyKey));
      switch (reply.outcome) {
        case "placed":
          return { kind: "placed", order: draft, replayed: false };
        case "rejected":
          return {
            kind: "rejected",
            order: {
              ...draft,
              status: "rejected",
              reservation: "none",
              reason: "out_of_stock",
              rejectedLines: reply.lines,
            },
            replayed: false,
          };
        case "replay":
          return this.replay(reply.orderId);
        case "reused":
          return { kind: "key_reused" };
        case "unknown":
          return { kind: "unknown_sku", skus: [reply.sku] };
        case "stale":
          continue;
      }
    }
    throw new PriceChangedError();
  }

  private async replay(orderId: string | null | undefined): Promise<PlaceOutcome> {
    const order = orderId ? await this.orders.get(orderId) : undefined;
    // The key's order is written in the same step as the key itself.
    if (!order) throw new Error(`Idempotency-Key refers to a missing order ${orderId}`);
    return order.status === "rejected"
      ? { kind: "rejected", order, replayed: true }
      : { kind: "placed", order, replayed: true };
  }

  private draft(order: NewOrder, lines: OrderLine[]): Order {
    const now = new Date().toISOString();
    return {
      orderId: randomUUID(),
      customerId: order.customerId,
      status: "reserved",
      reservation: "held",
      lines,
      totalCents: lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0),
      shippingAddress: order.shippingAddress,
      createdAt: now,
      updatedAt: now,
    };
  }

  private placeInput(draft: Order, hash: string, idempotencyKey: string | undefined): ScriptInput {
    const { orderId, customerId, lines, totalCents, shippingAddress, createdAt } = draft;
    const input = new ScriptInput();
    const options = { correlationId: orderId };
    const fields = [
      "orderId",
      orderId,
      "customerId",
      customerId,
      "lines",
      JSON.stringify(lines),
      "totalCents",
      String(totalCents),
      "shippingAddress",
      JSON.stringify(shippingAddress),
      "createdAt",
      createdAt,
      "updatedAt",
      createdAt,
    ];
    if (idempotencyKey !== undefined) fields.push("idempotencyKey", idempotencyKey);
    Object.assign(input.spec, {
      orderId,
      fields,
      nowMs: String(Date.parse(createdAt)),
      retentionMs: this.settings.orderRetentionMs,
      indexedSince: String(Date.parse(createdAt) - this.settings.orderRetentionMs),
      threshold: this.settings.lowStockThreshold,
      order: input.key(keys.order(orderId)),
      index: input.key(keys.orders),
      idem:
        idempotencyKey === undefined
          ? false
          : {
              k: input.key(keys.idempotency(idempotencyKey)),
              hash,
              ttl: this.settings.idempotencyTtlSeconds,
            },
      lines: lines.map((line) => ({
        sku: line.sku,
        q: line.quantity,
        price: String(line.unitPriceCents),
        k: input.key(keys.product(line.sku)),
      })),
      placed: input.event(
        this.bus.prepare(
          "order.placed",
          { orderId, customerId, lines, totalCents, shippingAddress, placedAt: createdAt },
          options,
        ),
      ),
      rejected: input.event(
        this.bus.prepare(
          "order.rejected",
          {
            orderId,
            customerId,
            reason: "out_of_stock",
            // placeholders: the script writes the short lines with their available stock
            lines: lines.map((line) => ({ sku: line.sku, requested: line.quantity, available: 0 })),
            rejectedAt: createdAt,
          },
          options,
        ),
      ),
      low: lowStockEvents(
        this.bus,
        input,
        lines.map((line) => line.sku),
        createdAt,
        options,
      ),
    });
    return input;
  }
}

/** A stable hash of an order body, to tell a retried request from a different one. */
export function bodyHash(order: NewOrder): string {
  const { name, line1, city, postalCode, country } = order.shippingAddress;
  const canonical = JSON.stringify([
    order.customerId,
    order.lines.map((line) => [line.sku, line.quantity]),
    [name, line1, city, postalCode, country],
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}
