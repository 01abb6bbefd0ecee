import {
  type Bus,
  type Step as CommitStep,
  type Duplicate,
  defineScript,
  type Envelope,
  type HandlerContext,
  type RedisClient,
  type StepEvent,
} from "@retail/bus";
import type { OrderPlaced, RetailCatalog } from "@retail/contracts";
import type { Counter } from "@retail/service-kit";
import {
  parseTimerMember,
  STEPS,
  type Step,
  shipmentByOrderKey,
  shipmentKey,
  TIMERS_KEY,
  timerMember,
} from "../keys.js";
import {
  fromHash,
  ORDER_CANCELLED,
  type ShipmentStatus,
  type StoredShipment,
} from "../shipment.js";
import { planShipment, type ShipmentPlan, type ShippingRules } from "./shipment-plan.js";

export type { ShippingRules } from "./shipment-plan.js";

type Context = HandlerContext<RetailCatalog>;

export interface ShipmentStoreOptions {
  redis: RedisClient;
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
  | Duplicate;

export type TransitionOutcome =
  | { outcome: "applied"; shipment: StoredShipment }
  | { outcome: "wrong_state"; status: ShipmentStatus }
  | { outcome: "not_found" | "timer_gone" }
  | Duplicate;

type CreateReply = { outcome: "normal" | "cancelled" } | { outcome: "exists"; shipmentId: string };
type TransitionReply =
  | { outcome: "applied" }
  | { outcome: "not_found" }
  | { outcome: "timer_gone" }
  | { outcome: "wrong_state"; status: ShipmentStatus };
const CREATE_SHIPMENT = defineScript<CreateReply>(
  new URL("./create-shipment.lua", import.meta.url),
);
const TRANSITION_SHIPMENT = defineScript<TransitionReply>(
  new URL("./transition-shipment.lua", import.meta.url),
);
/** What each carrier step does: the status it needs, the one it sets, the step after it. */
export const STEP_RULES = {
  dispatch: { from: "pending", to: "dispatched", next: "deliver" },
  deliver: { from: "dispatched", to: "delivered", next: undefined },
} as const satisfies Record<Step, { from: ShipmentStatus; to: ShipmentStatus; next?: Step }>;

interface Change {
  from: ShipmentStatus;
  to: ShipmentStatus;
  reason?: string;
  /** The event announcing the change. */
  event: (step: CommitStep<RetailCatalog>) => StepEvent;
  /** The timer that fired this change: it must still be due, and goes with it. */
  firedBy?: string;
  next?: { member: string; due: number };
}

/**
 * Shipments in Redis. Every write is one step (`bus.commit`) that commits the state
 * change, its timers, the event announcing it and, inside a handler, the handled
 * event's processed mark.
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

  /**
   * Create the order's one shipment for the handled order.placed (pending, failed, or
   * cancelled if its cancellation came first).
   */
  async createForOrder(placed: Envelope<OrderPlaced>, context: Context): Promise<CreateOutcome> {
    // Assigned by the build, which `commit` runs before it sends anything.
    let plan!: ShipmentPlan;
    const reply = await this.options.bus.commit(
      CREATE_SHIPMENT,
      (step) => {
        plan = planShipment(step, placed, {
          rules: this.options.rules,
          nowMs: this.options.now(),
        });
        return plan.spec;
      },
      { cause: context },
    );
    if (reply.outcome === "duplicate" || reply.outcome === "exists") return reply;
    const shipment = plan[reply.outcome];
    this.options.transitions.inc({ status: shipment.status });
    if (reply.outcome === "cancelled") return { outcome: "cancelled", shipment };
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
    // Outside any handler, the shipment's own flow: its order's correlation, its last event.
    const options = {
      correlationId: shipment.correlationId,
      causationId: shipment.lastEventId,
      // A timer runs outside any request too: without this its events would start a new trace.
      ...(firedBy === undefined || shipment.traceparent === undefined
        ? {}
        : { traceparent: shipment.traceparent }),
    };
    const ids = publicIds(shipment);
    return this.transition(shipment, nowMs, {
      from: rule.from,
      to: rule.to,
      event: (commit) =>
        step === "dispatch"
          ? commit.event("shipment.dispatched", { ...ids, dispatchedAt: at }, options)
          : commit.event("shipment.delivered", { ...ids, deliveredAt: at }, options),
      ...(firedBy === undefined ? {} : { firedBy }),
      ...(rule.next === undefined
        ? {}
        : {
            next: {
              member: timerMember(shipment.shipmentId, rule.next),
              due: nowMs + this.options.rules.deliveryDelayMs,
            },
          }),
    });
  }

  /**
   * Cancel a pending shipment in the step of the handled cancel request (`context`): the
   * same guarded transition its dispatch timer takes, so exactly one of the two wins.
   * Anything but `applied` or `duplicate` leaves the request unhandled.
   */
  async cancel(shipment: StoredShipment, context: Context): Promise<TransitionOutcome> {
    const nowMs = this.options.now();
    const { shipmentId, orderId } = shipment;
    return this.transition(
      shipment,
      nowMs,
      {
        from: "pending",
        to: "cancelled",
        reason: ORDER_CANCELLED,
        event: (step) =>
          step.event("shipment.cancelled", {
            shipmentId,
            orderId,
            reason: ORDER_CANCELLED,
            cancelledAt: new Date(nowMs).toISOString(),
          }),
      },
      context,
    );
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

  /** Move `shipment` as `change` says; with `context`, as the decisive step of that handled event. */
  private async transition(
    shipment: StoredShipment,
    nowMs: number,
    change: Change,
    context?: Context,
  ): Promise<TransitionOutcome> {
    const { shipmentId } = shipment;
    const at = new Date(nowMs).toISOString();
    let eventId = "";
    const build = (step: CommitStep<RetailCatalog>) => {
      const event = change.event(step);
      eventId = event.envelope.id;
      return {
        shipment: step.key(shipmentKey(shipmentId)),
        timers: step.key(TIMERS_KEY),
        byOrder: step.key(shipmentByOrderKey(shipment.orderId)),
        from: change.from,
        to: change.to,
        at,
        entry: JSON.stringify({ status: change.to, at }),
        reason: change.reason,
        firedBy: change.firedBy,
        now: nowMs,
        drop: STEPS.map((timer) => timerMember(shipmentId, timer)),
        next: change.next,
        eventId,
        retentionMs: this.options.rules.shipmentRetentionMs,
        event,
      };
    };
    const { bus } = this.options;
    const reply = context
      ? await bus.commit(TRANSITION_SHIPMENT, build, { cause: context })
      : await bus.commit(TRANSITION_SHIPMENT, build);
    if (reply.outcome !== "applied") return reply;
    this.options.transitions.inc({ status: change.to });
    return {
      outcome: "applied",
      shipment: {
        ...shipment,
        status: change.to,
        updatedAt: at,
        history: [...shipment.history, { status: change.to, at }],
        lastEventId: eventId,
        ...(change.reason === undefined ? {} : { reason: change.reason }),
      },
    };
  }
}

function publicIds(
  shipment: Pick<StoredShipment, "shipmentId" | "orderId" | "carrier" | "trackingNumber">,
) {
  const { shipmentId, orderId, carrier, trackingNumber } = shipment;
  return { shipmentId, orderId, carrier, trackingNumber };
}
