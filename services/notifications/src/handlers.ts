import type { HandlerContext } from "@retail/bus";
import type { RetailCatalog } from "@retail/contracts";
import type { Handlers } from "@retail/service-kit";
import { confirmed, delivered, dispatched, failed } from "./notification.js";
import type { Notifier, NotifyOutcome } from "./notifier.js";

/**
 * The `notifications` group's handlers, one per consumed topic, one shape: turn the
 * event into its customer's notification, keep it in one step with the event's
 * processed mark and send it (`Notifier.notify`), then log what came of it.
 *
 * Delivered is told from order.delivered, not shipment.delivered: it is the order's own
 * terminal event (published once inventory has closed the order), like order.failed,
 * so what an app shows agrees with the order as inventory's API returns it.
 */
export function notificationsHandlers(notifier: Notifier): Handlers<RetailCatalog> {
  return {
    "order.placed": async (event, context) => {
      const { orderId, customerId } = event.payload;
      log(await notifier.notify({ orderId, customerId }, () => confirmed(event), context), context);
    },
    "shipment.dispatched": async (event, context) => {
      const { orderId } = event.payload;
      log(await notifier.notify({ orderId }, (to) => dispatched(event, to), context), context);
    },
    "order.delivered": async (event, context) => {
      const { orderId } = event.payload;
      log(await notifier.notify({ orderId }, (to) => delivered(event, to), context), context);
    },
    "order.failed": async (event, context) => {
      const { orderId } = event.payload;
      log(await notifier.notify({ orderId }, (to) => failed(event, to), context), context);
    },
  };
}

function log(result: NotifyOutcome, { logger }: HandlerContext<RetailCatalog>): void {
  switch (result.outcome) {
    case "duplicate":
      logger.debug("already notified");
      return;
    case "unknown_order":
      logger.warn(
        { orderId: result.orderId },
        "no customer known for the order after every attempt: nobody notified",
      );
      return;
    case "received": {
      const { notification, receivers, keptAnyway } = result;
      const fields = { customerId: notification.customerId, kind: notification.kind, receivers };
      if (keptAnyway === undefined) logger.info(fields, "customer notified");
      else
        logger.warn(
          { ...fields, err: keptAnyway },
          "customer notified, but the notification stays kept: it will arrive again on connect",
        );
      return;
    }
    case "kept": {
      const { notification, sendError } = result;
      const fields = { customerId: notification.customerId, kind: notification.kind };
      if (sendError === undefined) logger.info(fields, "no app connected: notification kept");
      else logger.warn({ ...fields, err: sendError }, "send failed: notification kept");
    }
  }
}
