import { createHash, randomUUID } from "node:crypto";
import { defineScript, type RedisClient, type Step } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import { InvariantBrokenError, PriceChangedError } from "../errors.js";
import { keys } from "../keys.js";
import type { InventoryBus, Order, OrderLine, ShippingAddress, ShortLine } from "../model.js";
import { readOrder } from "./orders.js";
import { lowStockEvents } from "./stock-low.js";

type PlaceReply =
  | { outcome: "placed" }
  | { outcome: "rejected"; lines: ShortLine[] }
  | { outcome: "replay"; orderId: string }
  | { outcome: "reused" }
  | { outcome: "unknown"; sku: string }
  | { outcome: "stale"; sku: string };

const PLACE_ORDER = defineScript<PlaceReply>(new URL("./place-order.lua", import.meta.url));

export interface NewOrder {
  customerId: string;
  lines: { sku: string; quantity: number }[];
  shippingAddress: ShippingAddress;
}

/** An `Idempotency-Key` as one caller sent it: keys are remembered per caller. */
export interface IdempotencyKey {
  /** The token's subject of the caller that sent it. */
  subject: string;
  key: string;
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
    private readonly redis: RedisClient,
    private readonly bus: InventoryBus,
    private readonly settings: {
      lowStockThreshold: number;
      idempotencyTtlSeconds: number;
      /** How long an order is kept once terminal, in ms; `0` keeps it forever (`ORDER_RETENTION_MS`). */
      orderRetentionMs: number;
      now: () => number;
    },
  ) {}

  async place(order: NewOrder, idempotencyKey?: IdempotencyKey): Promise<PlaceOutcome> {
    const hash = bodyHash(order);
    if (idempotencyKey !== undefined) {
      const [knownHash, knownOrder] = await this.redis.hmget(
        keys.idempotency(idempotencyKey.subject, idempotencyKey.key),
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
      const reply = await this.bus.commit(PLACE_ORDER, (step) =>
        this.placeSpec(step, draft, hash, idempotencyKey),
      );
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
    const order = orderId ? await readOrder(this.redis, orderId) : undefined;
    // The key's order is written in the same step as the key itself.
    if (!order)
      throw new InvariantBrokenError(`Idempotency-Key refers to a missing order ${orderId}`, {
        details: { orderId },
      });
    return order.status === "rejected"
      ? { kind: "rejected", order, replayed: true }
      : { kind: "placed", order, replayed: true };
  }

  private draft(order: NewOrder, lines: OrderLine[]): Order {
    const now = new Date(this.settings.now()).toISOString();
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

  /** The spec of `place-order.lua`: the order, its keys, and every event it may emit. */
  private placeSpec(
    step: Step<RetailCatalog>,
    draft: Order,
    hash: string,
    idempotencyKey: IdempotencyKey | undefined,
  ) {
    const { orderId, customerId, lines, totalCents, shippingAddress, createdAt } = draft;
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
    if (idempotencyKey !== undefined) fields.push("idempotencyKey", idempotencyKey.key);
    return {
      orderId,
      fields,
      nowMs: String(Date.parse(createdAt)),
      retentionMs: this.settings.orderRetentionMs,
      indexedSince: String(Date.parse(createdAt) - this.settings.orderRetentionMs),
      threshold: this.settings.lowStockThreshold,
      order: step.key(keys.order(orderId)),
      index: step.key(keys.orders),
      idem:
        idempotencyKey === undefined
          ? false
          : {
              k: step.key(keys.idempotency(idempotencyKey.subject, idempotencyKey.key)),
              hash,
              ttl: this.settings.idempotencyTtlSeconds,
            },
      lines: lines.map((line) => ({
        sku: line.sku,
        q: line.quantity,
        price: String(line.unitPriceCents),
        k: step.key(keys.product(line.sku)),
      })),
      placed: step.event(
        "order.placed",
        { orderId, customerId, lines, totalCents, shippingAddress, placedAt: createdAt },
        options,
      ),
      // The script emits the short lines only, with what each had available.
      rejected: step.event(
        "order.rejected",
        {
          orderId,
          customerId,
          reason: "out_of_stock",
          lines: lines.map((line) => ({ sku: line.sku, requested: line.quantity, available: 0 })),
          rejectedAt: createdAt,
        },
        { ...options, fill: { lines: { rows: ["available"] } } },
      ),
      low: lowStockEvents(
        step,
        lines.map((line) => line.sku),
        createdAt,
        options,
      ),
    };
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
