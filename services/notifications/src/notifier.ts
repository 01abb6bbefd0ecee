import type { DirectChannel, HandlerContext } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { Counter, SseStream } from "@retail/service-kit";
import type { Logger } from "pino";
import { OrderCustomerUnknownError } from "./errors.js";
import type { Notification } from "./notification.js";
import type { NotificationStore } from "./store/notifications.js";

/** What notifying a customer of a handled event came to. */
export type NotifyOutcome =
  /** This group had handled the event already: nothing written, nothing sent. */
  | { outcome: "duplicate" }
  /** Its order's customer stayed unknown for every attempt allowed: dropped. */
  | { outcome: "unknown_order"; orderId: string }
  /**
   * An app of the customer received it live (`receivers`: instances that relayed it). If
   * taking it off the kept list failed (`keptAnyway`), it arrives once more on connect.
   */
  | { outcome: "received"; notification: Notification; receivers: number; keptAnyway?: unknown }
  /** No app was connected, or the send failed (`sendError`): kept for the next connection. */
  | { outcome: "kept"; notification: Notification; sendError?: unknown };

export interface NotifierDependencies {
  store: NotificationStore;
  /** `direct:notifications:<customerId>`: every connected app of the customer listens there. */
  channel: DirectChannel<Notification>;
  /** `notifications_sent_total{kind, outcome}`: received live or kept. */
  sent: Counter<"kind" | "outcome">;
  /** `NOTIFICATIONS_UNKNOWN_ORDER_ATTEMPTS`. */
  unknownOrderAttempts: number;
  logger: Logger;
}

/**
 * Tells customers' connected apps what happened to their orders. A handled event
 * becomes one notification, kept in the customer's list in the event's one step, then
 * sent on the customer's channel and taken off the list if anyone received it; an app
 * that connects takes the list first, then hears the channel.
 */
export class Notifier {
  constructor(private readonly deps: NotifierDependencies) {}

  /**
   * Notify the customer of the event being handled (`context`). `order.customerId` is
   * given by order.placed, which also records it for the order's later events; those
   * find it in the record. Throws `OrderCustomerUnknownError` (the bus retries) while
   * the order has no known customer, until `unknownOrderAttempts` deliveries.
   */
  async notify(
    order: { orderId: string; customerId?: string },
    compose: (customerId: string) => Notification,
    context: HandlerContext<RetailCatalog>,
  ): Promise<NotifyOutcome> {
    const { store, channel } = this.deps;
    const customerId = order.customerId ?? (await store.customerOf(order.orderId));
    if (customerId === undefined) return this.unknownOrder(order.orderId, context);
    const notification = compose(customerId);
    const kept = await store.keep(notification, context, {
      remember: order.customerId !== undefined,
    });
    if (kept.outcome === "duplicate") return kept;
    if (kept.outcome === "unknown_order") return this.unknownOrder(order.orderId, context);

    let receivers: number;
    try {
      receivers = await channel.send(customerId, notification);
    } catch (sendError) {
      // It is kept: the customer's next connection gets it.
      this.count(notification, "kept");
      return { outcome: "kept", notification, sendError };
    }
    if (receivers === 0) {
      this.count(notification, "kept");
      return { outcome: "kept", notification };
    }
    this.count(notification, "received");
    try {
      await store.received(notification);
    } catch (keptAnyway) {
      return { outcome: "received", notification, receivers, keptAnyway };
    }
    return { outcome: "received", notification, receivers };
  }

  /**
   * Relay the customer's notifications to `stream` until it closes: first the kept
   * ones (taken off the list), then those sent from now on. Listens before taking, so
   * nothing sent meanwhile is missed; one sent meanwhile and also taken is written
   * once. Rejects (having stopped listening) when Redis cannot be reached.
   */
  async connect(customerId: string, stream: SseStream): Promise<void> {
    const send = (notification: Notification) =>
      stream.send("notification", notification.id, notification);
    // Ids written before the stream went live: the kept ones (at most the list's cap)
    // and those heard while taking them. A live one among them is not written again.
    const before = new Set<string>();
    const sendOnce = (notification: Notification) => {
      if (before.has(notification.id)) return;
      before.add(notification.id);
      send(notification);
    };
    let early: Notification[] | undefined = [];
    const stop = await this.deps.channel.listen(customerId, (notification) => {
      if (early) early.push(notification);
      else if (!before.has(notification.id)) send(notification);
    });
    stream.onClose(() => {
      stop().catch((error) =>
        this.deps.logger.warn({ err: error, customerId }, "could not stop listening"),
      );
    });
    for (const notification of await this.deps.store.take(customerId)) sendOnce(notification);
    const heard = early;
    early = undefined;
    for (const notification of heard) sendOnce(notification);
    stream.comment("connected");
  }

  private unknownOrder(orderId: string, context: HandlerContext<RetailCatalog>): NotifyOutcome {
    if (context.attempt < this.deps.unknownOrderAttempts) {
      throw new OrderCustomerUnknownError(
        `order ${orderId}: no customer known yet (its order.placed may come later)`,
        { details: { orderId } },
      );
    }
    return { outcome: "unknown_order", orderId };
  }

  private count(notification: Notification, outcome: "received" | "kept"): void {
    this.deps.sent.inc({ kind: notification.kind, outcome });
  }
}
