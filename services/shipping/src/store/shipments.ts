import type { Bus, PreparedEvent } from "@retail/bus";
import type { OrderPlaced, RetailCatalog, ShipmentCancelRefused } from "@retail/contracts";
import type { Counter } from "@retail/service-kit";
import type { Redis } from "ioredis";
import { type Cause, planShipment, type ShippingRules } from "./shipment-plan.js";
import {
  cancelledOrderKey,
  PROCESSED_KEY,
  parseTimerMember,
  STEPS,
  type Step,
  shipmentByOrderKey,
  shipmentKey,
  TIMERS_KEY,
  timerMember,
} from "../keys.js";
import { CREATE_SHIPMENT, REFUSE_CANCELLATION, REMEMBER_CANCELLATION, TRANSITION } from "../lua.js";
import { fromHash, ORDER_CANCELLED, type ShipmentStatus, type StoredShipment } from "../shipment.js";

export type { Cause, ShippingRules } from "./shipment-plan.js";

export interface ShipmentStoreOptions {
  redis: Redis;
  bus: Bus<RetailCatalog>;
  rules: ShippingRules;
  /** The clock for timestamps and timers (epoch ms). */
  now: () => number;
  /** Counts status changes, labelled with the new status. */
  transitions: Counter<"status">;
}

export type CreateOutcome =
  | { outcome: "created" | "failed" | "cancelled"; shipment: StoredShipment }
  | { outcome: "exists"; shipmentId: string }
  | { outcome: "duplicate" };

export type TransitionOutcome =
  | { outcome: "applied"; shipment: StoredShipment }
  | { outcome: "wrong_state"; status: ShipmentStatus }
  | { outcome: "not_found" | "timer_gone" | "duplicate" };

/** Shipping's answer to a cancel request. */
export type CancelDecision =
  /** The shipment was pending: cancelled with its timers, shipment.cancelled published. */
  | { outcome: "cancelled"; shipment: StoredShipment }
  /** No shipment yet: the order.placed to come creates it cancelled. */
  | { outcome: "remembered" }
  /** Past pending: shipment.cancel-refused published. */
  | { outcome: "refused"; status: RefusedStatus; reason: CancelRefusal }
  /** Cancelled already (its shipment.cancelled answers), or this request was handled before. */
  | { outcome: "already_cancelled" | "duplicate" };

type RefusedStatus = ShipmentCancelRefused["status"];
type CancelRefusal = ShipmentCancelRefused["reason"];

/**
 * A decision is looked at again only after a move that cannot repeat (the shipment
 * appearing, pending → dispatched → delivered, expiring): five looks cover them all.
 */
const MAX_DECISION_ATTEMPTS = 5;

/** What each carrier step does: the status it needs, the one it sets, the step after it. */
export const STEP_RULES = {
  dispatch: { from: "pending", to: "dispatched", next: "deliver" },
  deliver: { from: "dispatched", to: "delivered", next: undefined },
} as const satisfies Record<Step, { from: ShipmentStatus; to: ShipmentStatus; next?: Step }>;

interface Change {
  from: ShipmentStatus;
  to: ShipmentStatus;
  reason?: string;
  event: PreparedEvent;
  /** The timer that fired this change: it must still be due, and goes with it. */
  firedBy?: string;
  next?: { member: string; dueAt: number };
  /** The handled event to mark processed in the same step. */
  handled?: string;
}

/**
 * Shipments in Redis. Every write is one Lua script that commits the state change,
 * its timers, the event announcing it and, inside a handler, the processed mark.
 */
export class ShipmentStore {
  constructor(private readonly options: ShipmentStoreOptions) {}

  async get(shipmentId: string): Promise<StoredShipment | undefined> {
    return fromHash(await this.options.redis.hgetall(shipmentKey(shipmentId)));
  }

  async findByOrder(orderId: string): Promise<StoredShipment | undefined> {
    const shipmentId = await this.options.redis.get(shipmentByOrderKey(orderId));
    return shipmentId === null ? undefined : this.get(shipmentId);
  }

  /** Create the order's one shipment (pending, failed, or cancelled if its cancellation came first). */
  async createForOrder(order: OrderPlaced, cause: Cause): Promise<CreateOutcome> {
    const plan = planShipment(order, cause, {
      bus: this.options.bus,
      rules: this.options.rules,
      nowMs: this.options.now(),
    });
    const [outcome, existing] = (await CREATE_SHIPMENT.run(
      this.options.redis,
      plan.keys,
      plan.args,
    )) as [string, string];
    if (outcome === "duplicate") return { outcome };
    if (outcome === "exists") return { outcome, shipmentId: existing };
    (outcome === "cancelled" ? plan.events.cancelled : plan.events.normal).markPublished();
    const shipment = outcome === "cancelled" ? plan.cancelled : plan.normal;
    this.options.transitions.inc({ status: shipment.status });
    if (outcome === "cancelled") return { outcome, shipment };
    return { outcome: shipment.status === "pending" ? "created" : "failed", shipment };
  }

  /** Take a carrier step (by hand, or fired by its timer), guarded by the current status. */
  async advance(
    shipment: StoredShipment,
    step: Step,
    firedBy?: string,
  ): Promise<TransitionOutcome> {
    const rule = STEP_RULES[step];
    const nowMs = this.options.now();
    const at = new Date(nowMs).toISOString();
    const options = {
      correlationId: shipment.correlationId,
      causationId: shipment.lastEventId,
      // A timer runs outside any handler: without this its events would start a new trace.
      ...(firedBy === undefined || shipment.traceparent === undefined
        ? {}
        : { traceparent: shipment.traceparent }),
    };
    const event =
      step === "dispatch"
        ? this.options.bus.prepare(
            "shipment.dispatched",
            { ...publicIds(shipment), dispatchedAt: at },
            options,
          )
        : this.options.bus.prepare(
            "shipment.delivered",
            { ...publicIds(shipment), deliveredAt: at },
            options,
          );
    return this.transition(shipment, nowMs, {
      from: rule.from,
      to: rule.to,
      event,
      ...(firedBy === undefined ? {} : { firedBy }),
      ...(rule.next === undefined
        ? {}
        : {
            next: {
              member: timerMember(shipment.shipmentId, rule.next),
              dueAt: nowMs + this.options.rules.deliveryDelayMs,
            },
          }),
    });
  }

  /**
   * Decide a cancel request for an order, against its dispatch timer: a pending shipment
   * is cancelled by the same guarded transition the timer uses, so exactly one of the
   * two wins; a shipment past pending gets a refusal. Without a shipment yet, remember
   * the request so that the order.placed arriving later creates it cancelled.
   */
  async decideCancel(orderId: string, cause: Cause): Promise<CancelDecision> {
    // Each retry follows a move that cannot be undone (the shipment appearing, a step).
    for (let attempt = 0; attempt < MAX_DECISION_ATTEMPTS; attempt += 1) {
      const shipment = await this.findByOrder(orderId);
      if (!shipment) {
        const outcome = (await REMEMBER_CANCELLATION.run(
          this.options.redis,
          [PROCESSED_KEY, shipmentByOrderKey(orderId), cancelledOrderKey(orderId)],
          [cause.eventId, Date.now(), this.options.rules.cancelledOrderTtlMs],
        )) as string;
        if (outcome === "duplicate" || outcome === "remembered") return { outcome };
        continue;
      }
      const decision =
        shipment.status === "pending"
          ? await this.cancelPending(shipment, cause)
          : await this.refuse(shipment, cause);
      if (decision) return decision;
    }
    throw new Error(`the cancel of order ${orderId} found its shipment moving on every look`);
  }

  private async cancelPending(
    shipment: StoredShipment,
    cause: Cause,
  ): Promise<CancelDecision | undefined> {
    const nowMs = this.options.now();
    const event = this.options.bus.prepare(
      "shipment.cancelled",
      {
        shipmentId: shipment.shipmentId,
        orderId: shipment.orderId,
        reason: ORDER_CANCELLED,
        cancelledAt: new Date(nowMs).toISOString(),
      },
      { correlationId: cause.correlationId, causationId: cause.eventId },
    );
    const result = await this.transition(shipment, nowMs, {
      from: "pending",
      to: "cancelled",
      reason: ORDER_CANCELLED,
      event,
      handled: cause.eventId,
    });
    if (result.outcome === "applied") return { outcome: "cancelled", shipment: result.shipment };
    if (result.outcome === "duplicate") return { outcome: "duplicate" };
    return undefined; // the timer fired first: decide again on where it left the shipment
  }

  private async refuse(
    shipment: StoredShipment,
    cause: Cause,
  ): Promise<CancelDecision | undefined> {
    const { shipmentId, orderId, status } = shipment;
    const refusal = refusalOf(status);
    const event =
      refusal &&
      this.options.bus.prepare(
        "shipment.cancel-refused",
        { shipmentId, orderId, ...refusal, refusedAt: new Date(this.options.now()).toISOString() },
        { correlationId: cause.correlationId, causationId: cause.eventId },
      );
    const [outcome] = (await REFUSE_CANCELLATION.run(
      this.options.redis,
      [shipmentKey(shipmentId), PROCESSED_KEY, event?.stream ?? shipmentKey(shipmentId)],
      [status, cause.eventId, Date.now(), ...(event?.args ?? [])],
    )) as [string, string];
    if (outcome === "duplicate") return { outcome };
    if (outcome === "moved") return undefined;
    if (!event || !refusal) return { outcome: "already_cancelled" };
    event.markPublished();
    return { outcome: "refused", ...refusal };
  }

  /** Members of the timers that are due now, oldest first. */
  async dueTimers(limit: number): Promise<string[]> {
    return this.options.redis.zrangebyscore(
      TIMERS_KEY,
      "-inf",
      this.options.now(),
      "LIMIT",
      0,
      limit,
    );
  }

  /**
   * Fire one due timer: take its step if it is still due and the shipment is where the
   * step starts; drop it otherwise. Exactly one instance applies it.
   */
  async fireTimer(member: string): Promise<TransitionOutcome> {
    const timer = parseTimerMember(member);
    const shipment = timer && (await this.get(timer.shipmentId));
    if (!timer || !shipment) {
      // No shipment of this version can ever take it: a leftover, not a transition.
      await this.options.redis.zrem(TIMERS_KEY, member);
      return { outcome: "not_found" };
    }
    return this.advance(shipment, timer.step, member);
  }

  private async transition(
    shipment: StoredShipment,
    nowMs: number,
    change: Change,
  ): Promise<TransitionOutcome> {
    const { shipmentId } = shipment;
    const at = new Date(nowMs).toISOString();
    const dropped = STEPS.map((step) => timerMember(shipmentId, step));
    const [outcome, detail] = (await TRANSITION.run(
      this.options.redis,
      [
        shipmentKey(shipmentId),
        TIMERS_KEY,
        PROCESSED_KEY,
        change.event.stream,
        shipmentByOrderKey(shipment.orderId),
      ],
      [
        change.from,
        change.to,
        at,
        JSON.stringify({ status: change.to, at }),
        change.firedBy ?? "",
        nowMs,
        change.next?.member ?? "",
        change.next?.dueAt ?? 0,
        change.handled ?? "",
        Date.now(),
        change.reason ?? "",
        change.event.envelope.id,
        this.options.rules.shipmentRetentionMs,
        dropped.length,
        ...dropped,
        ...change.event.args,
      ],
    )) as [string, string];
    switch (outcome) {
      case "applied":
        change.event.markPublished();
        this.options.transitions.inc({ status: change.to });
        return {
          outcome,
          shipment: {
            ...shipment,
            status: change.to,
            updatedAt: at,
            history: [...shipment.history, { status: change.to, at }],
            lastEventId: change.event.envelope.id,
            ...(change.reason === undefined ? {} : { reason: change.reason }),
          },
        };
      case "wrong_state":
        return { outcome, status: detail as ShipmentStatus };
      case "not_found":
      case "timer_gone":
      case "duplicate":
        return { outcome };
      default:
        throw new Error(`unexpected transition outcome ${outcome}`);
    }
  }
}

/** What a refusal says for a shipment past pending; none for a cancelled one. */
function refusalOf(
  status: ShipmentStatus,
): { status: RefusedStatus; reason: CancelRefusal } | undefined {
  if (status === "dispatched" || status === "delivered") {
    return { status, reason: "already_dispatched" };
  }
  if (status === "failed") return { status, reason: "shipment_failed" };
  return undefined;
}

function publicIds(
  shipment: Pick<StoredShipment, "shipmentId" | "orderId" | "carrier" | "trackingNumber">,
) {
  const { shipmentId, orderId, carrier, trackingNumber } = shipment;
  return { shipmentId, orderId, carrier, trackingNumber };
}
